/**
 * The state of one guest run inside the worker: its deadline, CPU budget, output counters and the first
 * reason it has to stop. The interrupt handler reads it; natives (console, timers, host calls) write to it.
 */
import { MiB } from '../../config.js'
import type { QuickJSDeferredPromise } from 'quickjs-emscripten'
import { RunDeadline, type StopReason } from '../../limits/deadline.js'
import { cancelSlot } from './protocol.js'
import type { OutputBatch } from './output-batch.js'

/** The shared stop reasons, plus QuickJS's own: the guest asked for a capability only a container has. */
export type QuickJsStop = StopReason | 'capability'

/**
 * Timers a run may have pending at once. Each is a Node timer in the worker, outside the guest's memory
 * limit: without a cap, `for (;;) setTimeout(f, 1e9)` grows the worker's own heap, shared with the other
 * sandboxes on that worker, until the worker dies.
 */
export const MAX_PENDING_TIMERS = 1000
/** Node clamps a longer delay to 1 ms (with a warning on the host's stderr); ours waits the longest it can. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1
/** Host calls (host functions and fetch) a run may have in flight at once, for the same reason. */
export const MAX_PENDING_HOST_CALLS = 1000
/**
 * Largest JSON of one host call's arguments, in bytes. A call's arguments are copied out of the guest, posted
 * to the host thread and parsed there, so they live in the host's heap for as long as the call is in flight.
 * fetch bodies travel this way too: 16 MiB leaves room for a request at the default network.maxRequestBytes
 * (10 MiB) with its JSON escaping and headers. Over the cap the guest's call throws a RangeError.
 */
export const MAX_HOST_CALL_ARGS_BYTES = 16 * MiB
/**
 * Argument bytes a run may have in flight in host calls at once: two calls at the cap. Without it, 60 calls
 * of 8 MB to a slow host function held ~700 MiB of the host's heap. Over it the new call's promise rejects.
 */
export const MAX_HOST_CALLS_IN_FLIGHT_BYTES = 32 * MiB

/** A host call waiting for its reply, with the bytes its arguments hold on the host. */
export interface PendingHostCall {
  deferred: QuickJSDeferredPromise
  argsBytes: number
}

/**
 * A run's deadline on this thread: the host's absolute deadline (it counts from execute(), so time spent
 * queued in the worker is already spent), never later than a full limit from now.
 */
function threadDeadline(limits: {
  timeoutMs: number
  deadlineAt: number
}): RunDeadline<QuickJsStop> {
  return new RunDeadline(limits.timeoutMs, {
    notAfterMs: limits.deadlineAt - performance.timeOrigin,
  })
}

export class RunState {
  readonly deadline: RunDeadline<QuickJsStop>
  readonly timeoutMs: number
  readonly cpuLimitMs: number
  readonly maxOutputBytes: number
  /** The interrupt handler returned true at least once: QuickJS reports this as success in promise jobs. */
  interrupted = false
  /** A Node capability the guest asked for (e.g. 'fs'); set with stop 'capability'. */
  capability: string | undefined
  /** An exception thrown by a timer callback, as described inside the guest. */
  uncaught: string | undefined
  busyMs = 0
  sliceStart = 0
  stdout = ''
  stderr = ''
  outputBytes = 0
  truncated = false
  readonly hostCalls = new Map<number, PendingHostCall>()
  /** Sum of argsBytes over hostCalls. */
  hostCallBytes = 0
  readonly timers = new Map<number, NodeJS.Timeout>()
  /** Where kept output goes as it is written, when the run streams (ExecMessage.stream). */
  readonly output: OutputBatch | undefined
  #wake: (() => void) | undefined

  /** The run's token, unique per run (the cancel board's key, and what the running board shows). */
  readonly token: number
  readonly #cancelBoard: Int32Array

  constructor(
    limits: {
      timeoutMs: number
      deadlineAt: number
      cpuTimeMs: number
      maxOutputBytes: number
      token: number
    },
    cancelBoard: Int32Array,
    output?: OutputBatch,
  ) {
    const { timeoutMs, deadlineAt, cpuTimeMs: cpuLimitMs, maxOutputBytes, token } = limits
    this.output = output
    this.token = token
    this.#cancelBoard = cancelBoard
    this.deadline = threadDeadline({ timeoutMs, deadlineAt })
    this.timeoutMs = timeoutMs
    this.cpuLimitMs = cpuLimitMs
    this.maxOutputBytes = maxOutputBytes
  }

  /** The first reason the run was stopped for (a later one never overwrites it). */
  get stop(): QuickJsStop | undefined {
    return this.deadline.reason
  }

  /** The guest needs something only a container has: stop now, so nothing else happens in this run. */
  requireCapability(capability: string): void {
    this.capability ??= capability
    this.requestStop('capability')
  }

  requestStop(reason: QuickJsStop): void {
    this.deadline.stop(reason)
    this.wake()
  }

  /** Called by QuickJS every few thousand bytecodes while guest code runs. */
  shouldInterrupt(): boolean {
    const { deadline } = this
    if (deadline.reason === undefined) {
      const now = performance.now()
      if (Atomics.load(this.#cancelBoard, cancelSlot(this.token)) === this.token)
        deadline.stop('cancelled')
      else if (now >= deadline.atMs) deadline.stop('timeout')
      else if (this.busyMs + (now - this.sliceStart) > this.cpuLimitMs) deadline.stop('cpu')
    }
    if (deadline.reason !== undefined) this.interrupted = true
    return deadline.reason !== undefined
  }

  /** Output bytes the run may still write (console text is clipped to this inside the guest). */
  outputRoom(): number {
    return Math.max(0, this.maxOutputBytes - this.outputBytes)
  }

  /** Output was cut (or refused) at the cap: the run stops with 'output'. */
  overflow(): void {
    this.truncated = true
    this.deadline.stop('output')
  }

  /** Records a host call in flight; false when its arguments would take the run past its in-flight cap. */
  addHostCall(callId: number, deferred: QuickJSDeferredPromise, argsBytes: number): boolean {
    if (this.hostCallBytes + argsBytes > MAX_HOST_CALLS_IN_FLIGHT_BYTES) return false
    this.hostCalls.set(callId, { deferred, argsBytes })
    this.hostCallBytes += argsBytes
    return true
  }

  /** Forgets a host call that got its reply; its deferred, if it was still waiting. */
  takeHostCall(callId: number): QuickJSDeferredPromise | undefined {
    const call = this.hostCalls.get(callId)
    if (!call) return undefined
    this.hostCalls.delete(callId)
    this.hostCallBytes -= call.argsBytes
    return call.deferred
  }

  /** Appends console output, counting bytes as it streams; past the cap the run stops with 'output'. */
  write(fd: number, text: string): boolean {
    const bytes = Buffer.byteLength(text)
    let kept = text
    if (this.outputBytes + bytes > this.maxOutputBytes) {
      const room = Math.max(0, this.maxOutputBytes - this.outputBytes)
      kept = Buffer.from(text).subarray(0, room).toString()
      // A character cut in half decodes to U+FFFD (3 bytes): drop whatever went past the room.
      while (Buffer.byteLength(kept) > room) kept = kept.slice(0, -1)
      this.overflow()
    }
    this.outputBytes += Buffer.byteLength(kept)
    if (fd === 2) this.stderr += kept
    else this.stdout += kept
    this.output?.add(fd === 2 ? 'stderr' : 'stdout', kept)
    return !this.truncated
  }

  /** True while something can still settle the guest's pending promise. */
  hasPendingWork(): boolean {
    return this.hostCalls.size > 0 || this.timers.size > 0
  }

  /** Resolves when a host reply, a timer, a stop request or the deadline arrives. */
  waitForWork(): Promise<void> {
    // The guest yields to the worker's event loop: what it wrote so far goes out before it waits.
    this.output?.flush()
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.deadline.stop('timeout')
        resolve()
      }, this.deadline.remaining())
      this.#wake = () => {
        clearTimeout(timer)
        this.#wake = undefined
        resolve()
      }
    })
  }

  wake(): void {
    this.#wake?.()
  }

  /** Ends the run: cancels its timers and abandons host calls still in flight. */
  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
    for (const { deferred } of this.hostCalls.values()) if (deferred.alive) deferred.dispose()
    this.hostCalls.clear()
    this.hostCallBytes = 0
    this.#wake = undefined
  }
}
