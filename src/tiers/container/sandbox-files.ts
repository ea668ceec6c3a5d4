/**
 * Files in and out of a running sandbox. The engine's archive endpoint (PUT/GET /containers/{id}/archive)
 * cannot serve sandboxes: it works on the container's root filesystem from the host side, so it refuses a
 * read-only root ("container rootfs is marked read-only") and does not see tmpfs mounts such as /work and
 * /tmp at all (verified on runc and runsc). Files therefore travel through an exec in the sandbox: bytes on
 * stdin into `dd of=`, and `dd if=` back out on the demultiplexed stdout, as the sandbox user and inside its
 * limits (a file larger than the disk limit fails with ENOSPC in the sandbox).
 *
 * The path belongs to the guest, who may have put a FIFO, a socket or a device there: opening a FIFO waits
 * for a writer, a device can stream forever. Only regular files (or symlinks to them) are read or replaced;
 * anything else is refused with a FileError naming its type. The open is O_NONBLOCK all the same (a guest
 * process may swap the file between the check and the open), the read is bounded by count, and the
 * command is killed inside the sandbox at the call's timeout, so nothing is left behind.
 */
import type Dockerode from 'dockerode'
import { ConfigError, GuestError, SandboxError } from '../../errors.js'
import { inspectExec, startExec, type StreamEnd } from './exec-stream.js'

/** Exit status of the scripts when the path is not a regular file; stderr then holds its type. */
export const NOT_REGULAR_EXIT = 64

// $1 = path. Prints the type of an existing non-regular file on stderr and exits NOT_REGULAR_EXIT.
export const CHECK_REGULAR = `if [ -e "$1" ] && [ ! -f "$1" ]; then
  if [ -d "$1" ]; then t=directory; elif [ -p "$1" ]; then t=fifo; elif [ -S "$1" ]; then t=socket
  elif [ -c "$1" ] || [ -b "$1" ]; then t=device; else t=special; fi
  printf %s "$t" >&2; exit ${NOT_REGULAR_EXIT}
fi`

// $1 = path, $2 = seconds. A FIFO without a reader fails to open (ENXIO) instead of waiting for one.
const WRITE_SCRIPT = `${CHECK_REGULAR}
mkdir -p -- "$(dirname -- "$1")" && exec timeout -s KILL "$2" dd of="$1" oflag=nonblock bs=65536 status=none`

// $1 = path, $2 = seconds, $3 = bytes: at most that many bytes, and no wait for a FIFO's writer.
const READ_SCRIPT = `${CHECK_REGULAR}
exec timeout -s KILL "$2" dd if="$1" iflag=nonblock,count_bytes count="$3" bs=65536 status=none`

/** An absolute path without NUL bytes. */
function checkPath(path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.includes('\0'))
    throw new ConfigError('path', 'an absolute path inside the sandbox', path)
  return path
}

function timeoutError(what: string, timeoutMs: number): GuestError {
  return new GuestError('FileError', `${what} did not finish within ${timeoutMs} ms`)
}

/** Per-call options of writeFile / readFile. */
export interface FileOptions {
  /** Aborts the transfer: the promise rejects with code ERR_CANCELLED. */
  signal?: AbortSignal | undefined
  /** @default 30_000 */
  timeoutMs?: number | undefined
}

export interface FileExec {
  cmd: string[]
  stdin: Uint8Array | undefined
  maxStdoutBytes: number
  what: string
}

const DEFAULT_TIMEOUT_MS = 30_000

/** The in-sandbox deadline of a file command: the call's timeout, rounded up, plus a second of slack. */
function sandboxSeconds(options: FileOptions): string {
  return String(Math.ceil((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000) + 1)
}

function waitFor(ended: Promise<StreamEnd>, timeoutMs: number, signal: AbortSignal | undefined) {
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const stop = new Promise<'timeout' | 'aborted'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
    onAbort = () => resolve('aborted')
    signal?.addEventListener('abort', onAbort, { once: true })
  })
  return Promise.race([ended, stop]).finally(() => {
    clearTimeout(timer)
    if (onAbort) signal?.removeEventListener('abort', onAbort)
  })
}

/** What a file command ended with (its stdout cut at the job's maxStdoutBytes). */
export interface FileExecFacts {
  stdout: Buffer
  /** Every stdout byte the command sent, kept or not. */
  stdoutBytes: number
  /** The start of stderr, trimmed. */
  stderr: string
  exitCode: number | null
}

/**
 * Runs a file command in the sandbox and collects what it said.
 * @throws GuestError when it did not finish in time or the stream broke; SandboxError ERR_CANCELLED on abort.
 */
export async function execFileCommand(
  container: Dockerode.Container,
  job: FileExec,
  options: FileOptions,
): Promise<FileExecFacts> {
  const { what, maxStdoutBytes } = job
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (options.signal?.aborted) throw cancelled(what)
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  let stdoutBytes = 0
  const handle = await startExec(container, { cmd: job.cmd, stdin: job.stdin }, (stream, chunk) => {
    if (stream === 'stderr') {
      if (stderr.length < 64) stderr.push(Buffer.from(chunk))
      return
    }
    const room = maxStdoutBytes - stdoutBytes
    stdoutBytes += chunk.length
    if (room > 0) stdout.push(Buffer.from(chunk.subarray(0, room)))
  })
  const end = await waitFor(handle.ended, timeoutMs, options.signal)
  if (end === 'timeout' || end === 'aborted') {
    handle.detach()
    throw end === 'aborted' ? cancelled(what) : timeoutError(what, timeoutMs)
  }
  if (end.kind === 'error')
    throw new GuestError('FileError', `${what} failed: the exec stream broke`)
  const state = await inspectExec(handle.exec)
  return {
    stdout: Buffer.concat(stdout),
    stdoutBytes,
    stderr: Buffer.concat(stderr).toString('utf8').trim(),
    exitCode: state.exitCode,
  }
}

async function runFileExec(
  container: Dockerode.Container,
  job: FileExec,
  options: FileOptions,
): Promise<Buffer> {
  const { what, maxStdoutBytes } = job
  const facts = await execFileCommand(container, job, options)
  if (facts.stdoutBytes > maxStdoutBytes)
    throw new GuestError('FileError', `${what}: the file is larger than ${maxStdoutBytes} bytes`)
  const message = facts.stderr
  if (facts.exitCode === NOT_REGULAR_EXIT)
    throw new GuestError('FileError', `${what}: not a regular file (${message.slice(0, 16)})`)
  if (facts.exitCode !== 0)
    throw new GuestError(
      'FileError',
      `${what} failed: ${message || `exit code ${String(facts.exitCode)}`}`,
    )
  return facts.stdout
}

function cancelled(what: string): SandboxError {
  return new SandboxError('ERR_CANCELLED', `${what} was cancelled`)
}

/**
 * Writes `data` to `path` in the sandbox, creating parent directories.
 * @throws ConfigError for a relative path; GuestError when the sandbox refuses (read-only, no space) or the
 *   path exists and is not a regular file; SandboxError ERR_CANCELLED when `signal` aborts.
 */
export async function writeSandboxFile(
  container: Dockerode.Container,
  path: string,
  data: string | Uint8Array,
  options: FileOptions = {},
): Promise<void> {
  const stdin = typeof data === 'string' ? Buffer.from(data) : data
  const cmd = ['sh', '-c', WRITE_SCRIPT, 'sandtier-write', checkPath(path), sandboxSeconds(options)]
  await runFileExec(
    container,
    { cmd, stdin, maxStdoutBytes: 0, what: `writeFile ${path}` },
    options,
  )
}

/**
 * Reads the regular file `path` from the sandbox; `dd count=` bounds what the sandbox sends.
 * @throws ConfigError for a relative path; GuestError when it is missing, unreadable, over maxBytes or not a
 *   regular file (a FIFO, socket, device or directory); SandboxError ERR_CANCELLED when `signal` aborts.
 */
export async function readSandboxFile(
  container: Dockerode.Container,
  path: string,
  maxBytes: number,
  options: FileOptions = {},
): Promise<Uint8Array> {
  const cmd = [
    'sh',
    '-c',
    READ_SCRIPT,
    'sandtier-read',
    checkPath(path),
    sandboxSeconds(options),
    String(maxBytes + 1),
  ]
  return await runFileExec(
    container,
    { cmd, stdin: undefined, maxStdoutBytes: maxBytes, what: `readFile ${path}` },
    options,
  )
}
