/**
 * Turns whatever stopped a guest (a trap, an AssemblyScript abort, a WASI exit, an output or memory limit) into
 * a status and a JSON-safe error. Runs in the worker, where the memory can still be measured.
 */
import {
  diskSpaceError,
  memoryError,
  outputError,
  resultTooLargeError,
} from '../../limits/limit-errors.js'
import type { ExecStatus, ResultError } from '../../types.js'
import { GuestFault } from './guest-memory.js'
import { OutputLimitReached, ResultLimitReached } from './output-sink.js'
import type { DiskLimitHit } from './wasi-disk.js'

/** Longest error message a run reports, in characters (as on the quickjs tier). */
const MAX_MESSAGE_CHARS = 4096

/** Thrown by the `env.abort` import: AssemblyScript's `abort`, `assert` and `throw`. */
export class GuestAbort extends Error {
  override name = 'GuestAbort'
  constructor(
    readonly abortMessage: string,
    readonly file: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${abortMessage} (at ${file}:${line}:${column})`)
  }
}

/** Thrown by WASI `proc_exit`: unwinds the guest with its exit code. */
export class WasiExit extends Error {
  override name = 'WasiExit'
  constructor(readonly code: number) {
    super(`exit ${code}`)
  }
}

export interface Outcome {
  status: ExecStatus
  exitCode: number
  error?: ResultError
}

/** The trap kinds V8 reports, by message. */
const TRAPS: [RegExp, string][] = [
  [/^unreachable/, 'unreachable'],
  [/divide by zero|remainder by zero/, 'divide-by-zero'],
  [/divide result unrepresentable|integer overflow/, 'integer-overflow'],
  [/float unrepresentable|invalid conversion/, 'invalid-conversion'],
  [/data segment.*out of bounds/, 'data-segment-out-of-bounds'],
  [/memory access out of bounds/, 'out-of-bounds'],
  [
    /table index is out of bounds|element segment.*out of bounds|table.*out of bounds/,
    'table-out-of-bounds',
  ],
  [/null function|signature mismatch|indirect call/, 'indirect-call'],
  [/dereferencing a null pointer|null/, 'null-reference'],
]

/**
 * Classifies a thrown value. `atMaximum` is true when the linear memory reached its maximum, which turns an
 * allocation failure (AssemblyScript's allocator traps with `unreachable`) into status 'memory'.
 */
export function classifyFailure(
  error: unknown,
  memory: { bytes: number; maxBytes: number },
): Outcome {
  if (error instanceof WasiExit)
    return error.code === 0
      ? { status: 'ok', exitCode: 0 }
      : guestError(error.code, `exited with code ${error.code}`, {
          kind: 'exit',
          exitCode: error.code,
        })
  if (error instanceof OutputLimitReached)
    return { status: 'output', exitCode: 1, error: outputError(error.maxBytes) }
  if (error instanceof ResultLimitReached)
    return { status: 'output', exitCode: 1, error: resultTooLargeError(error.maxBytes) }
  if (error instanceof GuestAbort) {
    const details = {
      kind: 'abort',
      message: error.abortMessage,
      file: error.file,
      line: error.line,
      column: error.column,
    }
    // The runtime's own aborts ("Allocation too large") are allocation failures.
    if (error.file.startsWith('~lib/rt/')) return memoryOutcome(memory, error.message, details)
    return guestError(1, `abort: ${error.message}`, details)
  }
  if (error instanceof GuestFault)
    return guestError(1, error.message, { kind: 'host-call', name: error.name })
  if (error instanceof WebAssembly.RuntimeError) {
    const trap = TRAPS.find(([re]) => re.test(error.message))?.[1] ?? 'trap'
    const frames = wasmFrames(error)
    const details = { kind: 'trap', trap, frames }
    const inAllocator = frames[0]?.includes('~lib/rt/') === true
    if (trap === 'data-segment-out-of-bounds') return memoryOutcome(memory, error.message, details)
    // A module with no memory (maxBytes 0) cannot have run out of it.
    const memoryFull = memory.maxBytes > 0 && memory.bytes >= memory.maxBytes
    if (trap === 'unreachable' && (inAllocator || memoryFull))
      return memoryOutcome(memory, 'allocation failed', details)
    return guestError(1, `wasm trap: ${error.message}`, details, 'RuntimeError', frames)
  }
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    const frames = wasmFrames(error)
    return guestError(
      1,
      'wasm trap: stack overflow',
      { kind: 'trap', trap: 'stack-overflow', frames },
      'RuntimeError',
      frames,
    )
  }
  if (error instanceof RangeError && /WebAssembly\.Memory|allocate|memory/i.test(error.message))
    return memoryOutcome(memory, error.message, { kind: 'memory' })
  const name = error instanceof Error ? error.name : 'Error'
  const message = error instanceof Error ? error.message : 'guest failed'
  return guestError(1, message, { kind: 'error' }, name)
}

/**
 * A run whose file call was refused for space ends with the disk limit error, whatever the guest did next
 * (ignored the ENOSPC, exited 0, trapped): the limit outcome says why. Other limit outcomes keep theirs.
 */
export function diskLimitOutcome(outcome: Outcome, hit: DiskLimitHit): Outcome {
  if (outcome.status !== 'ok' && outcome.status !== 'error') return outcome
  return {
    status: 'error',
    exitCode: outcome.exitCode === 0 ? 1 : outcome.exitCode,
    error: { ...diskSpaceError(hit.limitBytes), details: { resource: 'diskSpace', ...hit } },
  }
}

function guestError(
  exitCode: number,
  message: string,
  details: Record<string, unknown>,
  name = 'GuestError',
  frames?: string[],
): Outcome {
  // The same cap as a quickjs error message, whatever the parts it was made of (an abort's message and
  // file are each capped when read, not their sum).
  const clipped =
    message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message
  const error: ResultError = { name, message: clipped, code: 'ERR_GUEST', details }
  if (frames !== undefined && frames.length > 0) error.stack = frames.join('\n')
  return { status: 'error', exitCode, error }
}

function memoryOutcome(
  memory: { bytes: number; maxBytes: number },
  why: string,
  details: Record<string, unknown>,
): Outcome {
  return {
    status: 'memory',
    exitCode: 1,
    error: {
      ...memoryError(memory.maxBytes, why),
      details: { ...details, usedBytes: memory.bytes },
    },
  }
}

/** Characters kept per stack frame: a module's name section can give a function a megabyte-long name. */
const MAX_FRAME_CHARS = 512

// Only the guest's own frames: host frames would show the host's file paths.
function wasmFrames(error: Error): string[] {
  return (error.stack ?? '')
    .split('\n')
    .filter((line) => line.includes('wasm://') || line.includes('wasm-function'))
    .slice(0, 16)
    .map((line) => line.trim().replace(/^at /, '').slice(0, MAX_FRAME_CHARS))
}
