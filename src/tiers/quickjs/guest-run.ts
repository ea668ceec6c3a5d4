/**
 * Runs one request in a GuestContext: evaluate, drive promise jobs, timers and host calls until the value
 * settles or the run must stop, then classify the outcome (guest-outcome.ts). Runs inside the guest worker.
 */
import type { QuickJSHandle } from 'quickjs-emscripten'
import type { ResultError } from '../../types.js'
import type { GuestContext } from './guest-context.js'
import { readCompletion, readPrimitiveResult, type Completion } from './guest-completion.js'
import { crashOutcome, fromCompletion, toReply, type Outcome } from './guest-outcome.js'
import { cancelSlot, type ExecMessage, type ExecReply, type OutputEvent } from './protocol.js'
import { OutputBatch } from './output-batch.js'
import { RunState } from './run-state.js'
import { detectCapability } from './capabilities.js'
import { markRunning } from './running-board.js'
import { prepareSource, type EvalMode } from './source-transform.js'
import { cancelledError, timeoutError } from '../../limits/limit-errors.js'

/** JS_Eval flags: quickjs-emscripten's options have no name for QuickJS's async global eval. */
const JS_EVAL_TYPE_MODULE = 1
const JS_EVAL_FLAG_ASYNC = 1 << 7
const EVAL_FLAGS: Record<EvalMode, number> = {
  script: 0,
  'async-script': JS_EVAL_FLAG_ASYNC,
  module: JS_EVAL_TYPE_MODULE,
}

export async function runGuest(
  guest: GuestContext,
  message: ExecMessage,
  cancelBoard: Int32Array,
  postOutput: (event: OutputEvent) => void = () => undefined,
): Promise<ExecReply> {
  const { sid, token } = message
  const output = message.stream
    ? new OutputBatch((pieces) => postOutput({ type: 'output', sid, token, pieces }))
    : undefined
  const run = new RunState(message, cancelBoard, output)
  guest.run = run
  let outcome: Outcome
  try {
    outcome = await evaluate(guest, run, message)
  } catch (err) {
    outcome = crashOutcome(err)
  } finally {
    run.dispose()
  }
  if (outcome.kind !== 'crashed' && run.stop === undefined) {
    try {
      guest.clearGuestTimers()
    } catch (err) {
      outcome = crashOutcome(err)
    }
  }
  guest.run = undefined
  // Posted before the reply, on the same port: the host has every piece of the run when the reply comes.
  output?.flush()
  try {
    return toReply(guest, run, outcome, message.maxOutputBytes)
  } catch (err) {
    // A guest outcome never rejects the run: whatever went wrong reading it, it is this run's crash.
    return toReply(guest, run, crashOutcome(err), message.maxOutputBytes)
  }
}

/**
 * The reply of a run that waited in this worker's queue (behind other sandboxes' runs) until its deadline
 * passed, or was cancelled meanwhile; undefined when it may start. Such a run ends without running, and the
 * sandbox's context is untouched (no reset).
 */
export function endedBeforeStart(
  message: ExecMessage,
  cancelBoard: Int32Array,
): ExecReply | undefined {
  // Checked on every run before anything is built (no RunState, no deadline object): the host's deadline
  // is never later than a full limit from now, so it alone decides whether the run is already late.
  const cancelled = Atomics.load(cancelBoard, cancelSlot(message.token)) === message.token
  if (!cancelled && performance.now() < message.deadlineAt - performance.timeOrigin)
    return undefined
  return replyWithoutRun(
    cancelled ? 'cancelled' : 'timeout',
    cancelled ? cancelledError() : timeoutError(message.timeoutMs),
  )
}

/** The reply of a run that ended before any guest code ran: nothing written, nothing used, state untouched. */
export function replyWithoutRun(status: ExecReply['status'], error: ResultError): ExecReply {
  return {
    status,
    stdout: '',
    stderr: '',
    truncated: false,
    cpuMs: 0,
    memoryPeakBytes: 0,
    reset: false,
    error,
  }
}

/** Runs a synchronous step of guest code, counting its time against the CPU budget. */
function slice<T>(run: RunState, step: () => T): T {
  run.sliceStart = performance.now()
  markRunning(run.token)
  try {
    return step()
  } finally {
    markRunning(0)
    run.busyMs += performance.now() - run.sliceStart
  }
}

async function evaluate(
  guest: GuestContext,
  run: RunState,
  message: ExecMessage,
): Promise<Outcome> {
  const ctx = guest.context
  let source
  try {
    source = prepareSource(message.code, message.language)
  } catch (err) {
    const e = err instanceof Error ? err : new Error('invalid source')
    return {
      kind: 'thrown',
      json: JSON.stringify({ name: 'SyntaxError', message: e.message, stack: '' }),
    }
  }
  const capability = detectCapability(source.code, source.mode === 'module' ? 'module' : 'script')
  if (capability) {
    run.requireCapability(capability)
    return { kind: 'thrown', json: undefined }
  }
  const inputError = slice(run, () => guest.setInput(message.inputJson))
  if (inputError) return thrown(guest, run, inputError)

  const evaluated = slice(run, () =>
    ctx.evalCode(
      source.code,
      source.mode === 'module' ? 'sandbox.mjs' : 'sandbox.js',
      EVAL_FLAGS[source.mode],
    ),
  )
  if (evaluated.error) return thrown(guest, run, evaluated.error)
  const maxValueChars = message.maxOutputBytes
  const direct =
    source.mode === 'script' ? readPrimitiveResult(ctx, evaluated.value, maxValueChars) : undefined
  if (direct !== undefined) {
    evaluated.value.dispose()
    return settleDirect(guest, run, direct)
  }
  const completion = evaluated.value.consume((value) =>
    slice(run, () => guest.complete(value, source.mode, maxValueChars)),
  )
  if ('error' in completion) return thrown(guest, run, completion.error)
  try {
    return await drive(guest, run, completion, maxValueChars)
  } finally {
    completion.dispose()
  }
}

/** A primitive script value needs no awaiting: run the promise jobs the script queued, then settle. */
function settleDirect(guest: GuestContext, run: RunState, completion: Completion): Outcome {
  const jobs = slice(run, () => guest.runtime.executePendingJobs())
  if (jobs.error) jobs.error.dispose()
  if (run.stop !== undefined) return { kind: 'thrown', json: undefined }
  return fromCompletion(completion)
}

/** Executes promise jobs, timers and host replies until the completion promise settles or the run stops. */
async function drive(
  guest: GuestContext,
  run: RunState,
  promise: QuickJSHandle,
  maxValueChars: number,
): Promise<Outcome> {
  const ctx = guest.context
  for (;;) {
    const jobs = slice(run, () => guest.runtime.executePendingJobs())
    if (jobs.error) jobs.error.dispose()
    if (run.stop !== undefined) return { kind: 'thrown', json: undefined }
    if (run.uncaught !== undefined) return { kind: 'thrown', json: run.uncaught }
    const state = ctx.getPromiseState(promise)
    // For a non-promise, quickjs-emscripten hands back the same handle as the value: never dispose it here
    // (the caller does). The completion is an async function's promise, so this is only a safety net.
    if (state.type === 'fulfilled' && state.notAPromise)
      return { kind: 'crashed', message: 'the completion of the run is not a promise' }
    if (state.type === 'fulfilled') {
      const completion = state.value.consume((v) => readCompletion(ctx, v, maxValueChars))
      return fromCompletion(completion)
    }
    if (state.type === 'rejected') return thrown(guest, run, state.error)
    if (!run.hasPendingWork()) {
      const stuck = {
        name: 'Error',
        message:
          'The code awaits a promise that can never settle (no timer or host call is pending)',
        stack: '',
      }
      return { kind: 'thrown', json: JSON.stringify(stuck) }
    }
    await run.waitForWork()
    if (run.stop !== undefined) return { kind: 'thrown', json: undefined }
  }
}

const UNREADABLE_THROWN = '{"name":"Error","message":"unreadable thrown value"}'

function thrown(guest: GuestContext, run: RunState, error: QuickJSHandle): Outcome {
  // Once stopped, the interrupt handler keeps firing: describing would be interrupted too.
  if (run.stop !== undefined) {
    error.dispose()
    return { kind: 'thrown', json: undefined }
  }
  const json = error.consume((e) => slice(run, () => guest.describe(e)))
  // Describing failed: out of memory if the heap is full, otherwise the guest broke something it reads.
  if (json === undefined && !guest.memoryExhausted())
    return { kind: 'thrown', json: UNREADABLE_THROWN }
  return { kind: 'thrown', json }
}

/** Runs a fired timer's callback; an exception in it ends the run like an uncaught error in Node. */
export function fireGuestTimer(guest: GuestContext, id: number): void {
  const run = guest.run
  if (!run || run.stop !== undefined) return
  const error = slice(run, () => guest.fireTimer(id))
  if (error && run.uncaught === undefined && run.stop === undefined) {
    run.uncaught =
      error.consume((e) => guest.describe(e)) ?? '{"name":"Error","message":"uncaught error"}'
  } else error?.dispose()
}
