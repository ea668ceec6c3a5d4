/**
 * Runs one request in a GuestContext: evaluate, drive promise jobs, timers and host calls until the value
 * settles or the run must stop, then classify the outcome. Runs inside the guest worker.
 */
import type { QuickJSHandle } from 'quickjs-emscripten'
import type { ResultError } from '../../types.js'
import type { GuestContext } from './guest-context.js'
import { cancelSlot, type ExecMessage, type ExecReply } from './protocol.js'
import { RunState, threadDeadline } from './run-state.js'
import { detectCapability } from './capabilities.js'
import { markRunning } from './running-board.js'
import { prepareSource, type EvalMode } from './source-transform.js'
import {
  cancelledError,
  limitError,
  memoryError,
  resultTooLargeError,
  timeoutError,
} from '../../limits/limit-errors.js'

/** JS_Eval flags: quickjs-emscripten's options have no name for QuickJS's async global eval. */
const JS_EVAL_TYPE_MODULE = 1
const JS_EVAL_FLAG_ASYNC = 1 << 7
const EVAL_FLAGS: Record<EvalMode, number> = {
  script: 0,
  'async-script': JS_EVAL_FLAG_ASYNC,
  module: JS_EVAL_TYPE_MODULE,
}

/** What ended the run, before it becomes an ExecReply. */
type Outcome =
  | { kind: 'settled'; json: string }
  | { kind: 'thrown'; json: string | undefined }
  | { kind: 'crashed'; message: string }

export async function runGuest(
  guest: GuestContext,
  message: ExecMessage,
  cancelBoard: Int32Array,
): Promise<ExecReply> {
  const run = new RunState(message, cancelBoard)
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
  return toReply(guest, run, outcome, message.maxOutputBytes)
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
  // Checked on every run before anything is built: no RunState, no guest.
  const cancelled = Atomics.load(cancelBoard, cancelSlot(message.token)) === message.token
  if (!cancelled && performance.now() < threadDeadline(message)) return undefined
  return {
    status: cancelled ? 'cancelled' : 'timeout',
    stdout: '',
    stderr: '',
    truncated: false,
    cpuMs: 0,
    memoryPeakBytes: 0,
    reset: false,
    error: cancelled ? cancelledError() : timeoutError(message.timeoutMs),
  }
}

function crashOutcome(err: unknown): Outcome {
  // A RangeError here is the host V8 stack overflowing out of wasm, or an emscripten abort.
  return {
    kind: 'crashed',
    message: err instanceof Error ? `${err.name}: ${err.message}` : 'guest crashed',
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
  const direct = source.mode === 'script' ? guest.primitiveResult(evaluated.value) : undefined
  if (direct !== undefined) {
    evaluated.value.dispose()
    return settleDirect(guest, run, direct)
  }
  const completion = evaluated.value.consume((value) =>
    slice(run, () => guest.complete(value, source.mode)),
  )
  if ('error' in completion) return thrown(guest, run, completion.error)
  try {
    return await drive(guest, run, completion)
  } finally {
    completion.dispose()
  }
}

/** A primitive script value needs no awaiting: run the promise jobs the script queued, then settle. */
function settleDirect(guest: GuestContext, run: RunState, json: string): Outcome {
  const jobs = slice(run, () => guest.runtime.executePendingJobs())
  if (jobs.error) jobs.error.dispose()
  if (run.stop !== undefined) return { kind: 'thrown', json: undefined }
  return { kind: 'settled', json }
}

/** Executes promise jobs, timers and host replies until the completion promise settles or the run stops. */
async function drive(guest: GuestContext, run: RunState, promise: QuickJSHandle): Promise<Outcome> {
  const ctx = guest.context
  for (;;) {
    const jobs = slice(run, () => guest.runtime.executePendingJobs())
    if (jobs.error) jobs.error.dispose()
    if (run.stop !== undefined) return { kind: 'thrown', json: undefined }
    if (run.uncaught !== undefined) return { kind: 'thrown', json: run.uncaught }
    const state = ctx.getPromiseState(promise)
    if (state.type === 'fulfilled') {
      const json = state.value.consume((v) =>
        ctx.typeof(v) === 'string' ? ctx.getString(v) : undefined,
      )
      if (json === undefined)
        return { kind: 'crashed', message: 'completion did not produce a string' }
      return { kind: 'settled', json }
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

function thrown(guest: GuestContext, run: RunState, error: QuickJSHandle): Outcome {
  // Once stopped, the interrupt handler keeps firing: describing would be interrupted too.
  if (run.stop !== undefined) {
    error.dispose()
    return { kind: 'thrown', json: undefined }
  }
  const json = error.consume((e) => slice(run, () => guest.describe(e)))
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

function toReply(
  guest: GuestContext,
  run: RunState,
  outcome: Outcome,
  maxOutputBytes: number,
): ExecReply {
  const base = {
    stdout: run.stdout,
    stderr: run.stderr,
    truncated: run.truncated,
    cpuMs: run.busyMs,
    memoryPeakBytes: guest.memory.buffer.byteLength,
    reset: false,
  }
  if (outcome.kind === 'crashed') {
    return {
      ...base,
      status: 'crashed',
      reset: true,
      error: { name: 'GuestCrashed', message: outcome.message, code: 'ERR_CRASHED' },
    }
  }
  if (run.stop === 'capability') {
    // Nothing ran past the request for the capability: the context is clean enough to keep.
    return { ...base, status: 'error', error: capabilityError(run.capability ?? 'unknown') }
  }
  if (run.stop !== undefined) {
    const limits = {
      timeoutMs: run.timeoutMs,
      cpuTimeMs: run.cpuLimitMs,
      memoryLimitBytes: guest.memoryLimitBytes,
      maxOutputBytes: run.maxOutputBytes,
    }
    return { ...base, status: run.stop, reset: true, error: limitError(run.stop, limits) }
  }
  if (outcome.kind === 'thrown') {
    const parsed = parseError(outcome.json)
    if (isOutOfMemory(parsed) || (describeFailed(parsed) && guest.memoryExhausted())) {
      const error = memoryError(guest.memoryLimitBytes)
      return { ...base, status: 'memory', reset: true, error }
    }
    const error = parsed
    if (error.name === 'ResultNotSerializable')
      return { ...base, status: 'error', error: { ...error, code: 'ERR_RESULT_NOT_SERIALIZABLE' } }
    return { ...base, status: 'error', error: { ...error, code: 'ERR_GUEST' } }
  }
  const settled = JSON.parse(outcome.json) as { ok: boolean; value?: unknown; error?: ResultError }
  if (!settled.ok)
    return toReply(
      guest,
      run,
      { kind: 'thrown', json: JSON.stringify(settled.error) },
      maxOutputBytes,
    )
  if (!('value' in settled)) return { ...base, status: 'ok' }
  const valueJson = JSON.stringify(settled.value)
  if (Buffer.byteLength(valueJson) > maxOutputBytes) {
    return { ...base, status: 'output', error: resultTooLargeError(maxOutputBytes) }
  }
  return { ...base, status: 'ok', valueJson }
}

function capabilityError(capability: string): ResultError {
  return {
    name: 'CapabilityRequired',
    message: `The code needs "${capability}", which the quickjs tier does not provide; a container tier does`,
    code: 'ERR_CAPABILITY_REQUIRED',
    details: { capability },
  }
}

function parseError(json: string | undefined): ResultError {
  if (json === undefined) return { name: 'InternalError', message: 'out of memory' }
  try {
    const e = JSON.parse(json) as ResultError
    return {
      name: String(e.name),
      message: String(e.message),
      stack: e.stack ? String(e.stack) : undefined,
    }
  } catch {
    return { name: 'Error', message: 'unreadable error' }
  }
}

// With the heap full, QuickJS may fail to allocate its own "out of memory" error and throw null instead, and
// describing an error inside the guest can itself run out of memory half way.
function describeFailed(error: ResultError): boolean {
  return error.message === 'unreadable thrown value' || error.message === 'Uncaught null'
}

function isOutOfMemory(error: ResultError): boolean {
  return error.name === 'InternalError' && error.message === 'out of memory'
}
