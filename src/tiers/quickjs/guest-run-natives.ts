/**
 * The natives that act on a sandbox's run in progress (console writes, host calls, timers), as the
 * prelude calls them (guest-prelude.ts NativeHost). Each acts on the run the context holds at the time of
 * the call, and does nothing when there is none.
 *
 * Handles never leave the guest-* files: the rest of the worker sees strings only.
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten'
import type { NativeHost } from './guest-prelude.js'
import {
  MAX_HOST_CALL_ARGS_BYTES,
  MAX_HOST_CALLS_IN_FLIGHT_BYTES,
  MAX_PENDING_HOST_CALLS,
  MAX_PENDING_TIMERS,
  MAX_TIMER_DELAY_MS,
  type RunState,
} from './run-state.js'
import { readString } from './bounded-read.js'

/** What the natives read of their GuestContext when they are called (never a handle of their own). */
export interface RunNativesScope {
  readonly context: QuickJSContext
  /** The run in progress. */
  run(): RunState | undefined
  /** Posts a host call to the host thread, for the sandbox the context serves (GuestBinding). */
  sendHostCall(callId: number, name: string, argsJson: string): void
  /** Runs a timer callback in the guest when a timer fires (GuestBinding). */
  onTimer(id: number): void
  /** A new host call id, unique while the context serves its sandbox. */
  nextCallId(): number
}

/** The natives the prelude installs, acting on `scope`'s run in progress. */
export function runNatives(scope: RunNativesScope): NativeHost {
  return {
    write: (fd, text, clipped) => write(scope, fd, text, clipped),
    room: () => scope.run()?.outputRoom() ?? 0,
    hostCall: (name, args) => startHostCall(scope, name, args),
    setTimer: (id, ms) => setTimer(scope, id, ms),
    clearTimer: (id) => clearTimer(scope, id),
  }
}

/**
 * Console text from the guest's console part, already clipped there to the room left (and `clipped` says
 * so). A longer string is refused unread: the guest part never sends one, so something is wrong.
 */
function write(scope: RunNativesScope, fd: number, text: QuickJSHandle, clipped: boolean): boolean {
  const run = scope.run()
  if (!run) return false
  const kept = readString(scope.context, text, run.outputRoom())
  if (kept === undefined) {
    run.overflow()
    return false
  }
  const ok = run.write(fd, kept)
  if (!clipped) return ok
  run.overflow()
  return false
}

function startHostCall(
  scope: RunNativesScope,
  nameHandle: QuickJSHandle,
  argsHandle: QuickJSHandle,
): QuickJSHandle {
  const ctx = scope.context
  const run = scope.run()
  const deferred = ctx.newPromise()
  const refuse = (error: { name: string; message: string }): QuickJSHandle => {
    ctx.newError(error).consume((e) => deferred.reject(e))
    return deferred.handle
  }
  // A stopping run makes no more host calls: nothing may happen after the decision to stop.
  if (!run || run.stop !== undefined)
    return refuse({ name: 'Error', message: 'no run in progress' })
  if (run.hostCalls.size >= MAX_PENDING_HOST_CALLS) {
    const message = `too many host calls in flight (at most ${MAX_PENDING_HOST_CALLS})`
    return refuse({ name: 'Error', message })
  }
  // Bounded before it is copied: the guest part refuses larger arguments, so this only ever stops a
  // guest that got around it. Host function names are ours (installed at bind) or '__fetch'.
  const name = readString(ctx, nameHandle, 1024)
  const argsJson = readString(ctx, argsHandle, MAX_HOST_CALL_ARGS_BYTES)
  const argsBytes = argsJson === undefined ? Infinity : Buffer.byteLength(argsJson)
  if (name === undefined || argsJson === undefined || argsBytes > MAX_HOST_CALL_ARGS_BYTES) {
    const message = `host call arguments are larger than ${MAX_HOST_CALL_ARGS_BYTES} bytes`
    return refuse({ name: 'RangeError', message })
  }
  const callId = scope.nextCallId()
  if (!run.addHostCall(callId, deferred, argsBytes)) {
    const message = `host calls in flight would hold more than ${MAX_HOST_CALLS_IN_FLIGHT_BYTES} bytes of arguments`
    return refuse({ name: 'RangeError', message })
  }
  scope.sendHostCall(callId, name, argsJson)
  return deferred.handle
}

/** Arms (or re-arms) timer `id`; false when the run has MAX_PENDING_TIMERS others pending. */
function setTimer(scope: RunNativesScope, id: number, ms: number): boolean {
  const run = scope.run()
  if (!run) return false
  const pending = run.timers.get(id)
  if (pending === undefined && run.timers.size >= MAX_PENDING_TIMERS) return false
  clearTimeout(pending)
  const timer = setTimeout(
    () => {
      run.timers.delete(id)
      scope.onTimer(id)
      run.wake()
    },
    Math.min(ms, MAX_TIMER_DELAY_MS),
  )
  run.timers.set(id, timer)
  return true
}

function clearTimer(scope: RunNativesScope, id: number): void {
  const run = scope.run()
  if (!run) return
  clearTimeout(run.timers.get(id))
  run.timers.delete(id)
}
