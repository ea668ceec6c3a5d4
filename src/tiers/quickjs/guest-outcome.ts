/**
 * What ended a run in the guest worker (guest-run.ts), and the ExecReply it becomes: the status, the limit
 * or guest error, and the value's JSON, checked to parse. Every string in an outcome was read from the
 * guest within bounds (bounded-read.ts) and is still guest text: parsed here in try/catch, shape checked.
 */
import type { ResultError } from '../../types.js'
import type { GuestContext } from './guest-context.js'
import type { Completion } from './guest-completion.js'
import { ERROR_MESSAGE_CHARS, ERROR_NAME_CHARS, ERROR_STACK_CHARS } from './bounded-read.js'
import type { ExecReply } from './protocol.js'
import type { RunState } from './run-state.js'
import {
  capabilityError,
  crashedError,
  limitError,
  memoryError,
  resultTooLargeError,
} from '../../limits/limit-errors.js'

/** What ended the run, before it becomes an ExecReply. */
export type Outcome =
  | { kind: 'settled'; valueJson: string | undefined }
  | { kind: 'tooLarge' }
  | { kind: 'thrown'; json: string | undefined }
  | { kind: 'crashed'; message: string }

/** A run that threw in the worker itself: its crash, with a bounded message. */
export function crashOutcome(err: unknown): Outcome {
  // A RangeError here is the host V8 stack overflowing out of wasm, or an emscripten abort.
  const message = err instanceof Error ? `${err.name}: ${err.message}` : 'guest crashed'
  return { kind: 'crashed', message: message.slice(0, ERROR_MESSAGE_CHARS) }
}

/** What the completion read from the guest says about the run. */
export function fromCompletion(completion: Completion): Outcome {
  switch (completion.kind) {
    case 'value':
      return { kind: 'settled', valueJson: completion.json }
    case 'tooLarge':
      return { kind: 'tooLarge' }
    case 'error':
      return { kind: 'thrown', json: completion.json }
    case 'unreadable':
      return { kind: 'crashed', message: 'the completion of the run could not be read' }
  }
}

/** The reply of a finished run: its output and usage, and a status told from the stop reason and outcome. */
export function toReply(
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
      error: crashedError(outcome.message),
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
  const tooLarge = {
    ...base,
    status: 'output' as const,
    error: resultTooLargeError(maxOutputBytes),
  }
  if (outcome.kind === 'tooLarge') return tooLarge
  const valueJson = outcome.valueJson
  if (valueJson === undefined) return { ...base, status: 'ok' }
  if (Buffer.byteLength(valueJson) > maxOutputBytes) return tooLarge
  // The guest's JSON text goes to the host as it is (no re-encoding), so it must parse there: checked here,
  // bounded by the cap above. The primitive path's text was made here and needs no check.
  if (!isJson(valueJson))
    return {
      ...base,
      status: 'error',
      error: {
        name: 'ResultNotSerializable',
        message: 'The result could not be read as JSON',
        code: 'ERR_RESULT_NOT_SERIALIZABLE',
      },
    }
  return { ...base, status: 'ok', valueJson }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** A description from the guest (bounded when read): parsed, its shape checked, each part clipped again. */
function parseError(json: string | undefined): ResultError {
  if (json === undefined) return { name: 'InternalError', message: 'out of memory' }
  let e: unknown
  try {
    e = JSON.parse(json)
  } catch {
    return { name: 'Error', message: 'unreadable error' }
  }
  if (typeof e !== 'object' || e === null) return { name: 'Error', message: 'unreadable error' }
  const { name, message, stack } = e as Record<string, unknown>
  if (typeof name !== 'string' || typeof message !== 'string')
    return { name: 'Error', message: 'unreadable error' }
  return {
    name: clip(name, ERROR_NAME_CHARS),
    message: clip(message, ERROR_MESSAGE_CHARS),
    stack: typeof stack === 'string' && stack !== '' ? clip(stack, ERROR_STACK_CHARS) : undefined,
  }
}

function clip(text: string, maxChars: number): string {
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text
}

// With the heap full, QuickJS may fail to allocate its own "out of memory" error and throw null instead, and
// describing an error inside the guest can itself run out of memory half way.
function describeFailed(error: ResultError): boolean {
  return error.message === 'unreadable thrown value' || error.message === 'Uncaught null'
}

function isOutOfMemory(error: ResultError): boolean {
  return error.name === 'InternalError' && error.message === 'out of memory'
}
