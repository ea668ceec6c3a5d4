/**
 * One request on a sandbox's interpreter, worker side: the run's folder and channel are put in place, the
 * prelude's `_sandtier.run()` is called, and its report (bounded by the channel's budget, parsed as JSON and
 * nothing else) becomes the reply. An interpreter the host had to unwind (output cap, proc_exit, a trap, a
 * stack overflow) is never used again: the reply says it was reset.
 */
import {
  diskSpaceError,
  memoryError,
  outputError,
  resultTooLargeError,
} from '../../limits/limit-errors.js'
import type { ExecStatus, ResultError } from '../../types.js'
import { OutputLimitReached, OutputSink } from '../wasm/output-sink.js'
import type { OutputPiece } from '../wasm/protocol.js'
import type { Interpreter } from './interpreter.js'
import { PAGE_BYTES } from './interpreter.js'
import { RUN_DRIVER } from './prelude.js'
import type { RunMessage, RunReply } from './protocol.js'
import { collectTree } from './wasi-tree.js'
import { PythonExit } from './wasi-imports.js'

/** Room for the report's own keys around the value. */
const REPORT_OVERHEAD_BYTES = 64 * 1024
const MAX_MESSAGE_CHARS = 4096

interface Report {
  value?: unknown
  error?: {
    name?: unknown
    message?: unknown
    stack?: unknown
    capability?: unknown
    code?: unknown
  }
  exit?: unknown
  valueTooLarge?: unknown
}

export function runRequest(
  interpreter: Interpreter,
  message: RunMessage,
  post: (pieces: OutputPiece[]) => void,
): Exclude<RunReply, { needState: true }> & { keepable: boolean } {
  const sink = new OutputSink(
    message.maxOutputBytes,
    (event) => post(event.pieces),
    message.stream === true,
  )
  interpreter.wasi.run = { sink, stdin: message.stdin, stdinPosition: 0 }
  const { work, channel } = interpreter
  work.reset(message.diskSpaceBytes)
  for (const dir of message.folder.dirs) work.ensureDir(dir)
  for (const [path, bytes] of message.folder.files) work.put(path, bytes)
  work.changed = false
  channel.reset(Number.MAX_SAFE_INTEGER)
  channel.put('code', Buffer.from(message.code, 'utf8'), Date.now(), false)
  channel.put('request.json', Buffer.from(message.requestJson, 'utf8'), Date.now(), false)
  channel.limitBytes = channel.usedBytes + message.maxOutputBytes + REPORT_OVERHEAD_BYTES

  const started = performance.now()
  let status: ExecStatus = 'ok'
  let error: ResultError | undefined
  let exitCode = 0
  let value: unknown
  let keepable = true
  let returned: number | undefined
  try {
    returned = interpreter.run(RUN_DRIVER)
    sink.end()
  } catch (thrown) {
    keepable = false
    ;({ status, error } = unwound(thrown, message, interpreter))
  }
  const cpuMs = performance.now() - started
  const memoryPeakBytes = interpreter.memory.buffer.byteLength
  const atMaximum = memoryPeakBytes + 4 * PAGE_BYTES >= message.memoryLimitPages * PAGE_BYTES
  if (returned !== undefined) {
    const report = readReport(interpreter)
    if (report === undefined) {
      status = 'error'
      error = {
        name: 'PythonError',
        message: `the interpreter ended without a report (code ${returned})`,
        code: 'ERR_GUEST',
      }
    } else if (report.valueTooLarge === true) {
      status = 'output'
      error = resultTooLargeError(message.maxOutputBytes)
    } else if (report.error !== undefined) {
      status = 'error'
      error = guestError(report.error)
    } else if (typeof report.exit === 'number') {
      exitCode = report.exit
      if (exitCode !== 0) {
        status = 'error'
        error = { name: 'SystemExit', message: `exit status ${exitCode}`, code: 'ERR_GUEST' }
      }
    } else value = report.value
    // Under WASI a MemoryError means the linear memory could not grow (to its maximum, the memoryLimit).
    if (
      status === 'error' &&
      (error?.name === 'MemoryError' || (error?.name === 'PythonError' && atMaximum))
    ) {
      status = 'memory'
      error = memoryError(
        message.memoryLimitPages * PAGE_BYTES,
        'the Python heap reached the limit',
      )
      keepable = false
    }
  }
  if (status === 'ok' || status === 'error') {
    const refused = work.refusedBytes
    if (refused !== undefined && error?.code !== 'ERR_CAPABILITY_REQUIRED') {
      status = 'error'
      error = diskSpaceError(message.diskSpaceBytes)
    }
  }
  if (status !== 'ok' && exitCode === 0) exitCode = 1
  const drained = sink.drain()
  const reply: Exclude<RunReply, { needState: true }> & { keepable: boolean } = {
    status,
    stdout: drained.stdout,
    stderr: drained.stderr,
    truncated: sink.truncated,
    exitCode,
    cpuMs,
    memoryPeakBytes,
    reset: !keepable,
    keepable,
  }
  if (value !== undefined) reply.value = value
  if (error !== undefined) reply.error = error
  // A run that needs a container is re-run there from the same folder: its own writes are dropped.
  if (work.changed && error?.code !== 'ERR_CAPABILITY_REQUIRED') {
    const folder = collectTree(work, message.diskSpaceBytes)
    if (folder !== undefined) reply.folder = folder
  }
  interpreter.wasi.run = undefined
  return reply
}

function unwound(
  thrown: unknown,
  message: RunMessage,
  interpreter: Interpreter,
): { status: ExecStatus; error: ResultError } {
  if (thrown instanceof OutputLimitReached)
    return { status: 'output', error: outputError(message.maxOutputBytes) }
  const limitBytes = message.memoryLimitPages * PAGE_BYTES
  if (interpreter.memory.buffer.byteLength + 4 * PAGE_BYTES >= limitBytes)
    return { status: 'memory', error: memoryError(limitBytes) }
  const what =
    thrown instanceof PythonExit
      ? `the interpreter aborted (exit ${thrown.code})`
      : thrown instanceof RangeError
        ? `the interpreter overflowed its stack (${thrown.message})`
        : `the interpreter trapped (${thrown instanceof Error ? thrown.message : String(thrown)})`
  return {
    status: 'crashed',
    error: { name: 'GuestCrashed', message: what.slice(0, MAX_MESSAGE_CHARS), code: 'ERR_CRASHED' },
  }
}

function readReport(interpreter: Interpreter): Report | undefined {
  const node = interpreter.channel.root.entries.get('report')
  if (node?.kind !== 'file') return undefined
  try {
    const parsed: unknown = JSON.parse(
      Buffer.from(node.data.subarray(0, node.size)).toString('utf8'),
    )
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined
  } catch {
    return undefined
  }
}

function guestError(raw: NonNullable<Report['error']>): ResultError {
  const name = typeof raw.name === 'string' ? raw.name.slice(0, 256) : 'Error'
  const message = typeof raw.message === 'string' ? raw.message.slice(0, MAX_MESSAGE_CHARS) : ''
  const stack = typeof raw.stack === 'string' ? raw.stack.slice(-8192) : undefined
  if (typeof raw.capability === 'string') {
    const capability = raw.capability.slice(0, 128)
    return {
      name: 'CapabilityRequired',
      message: `The code needs "${capability}", which the pywasm tier (Python on WASI) does not provide; a container tier does (${name}: ${message})`,
      code: 'ERR_CAPABILITY_REQUIRED',
      stack,
      details: { capability },
    }
  }
  const error: ResultError = { name, message, code: 'ERR_GUEST', stack }
  if (raw.code === 'ERR_RESULT_NOT_SERIALIZABLE') error.code = 'ERR_RESULT_NOT_SERIALIZABLE'
  return error
}
