/**
 * Files in and out of a running sandbox. The engine's archive endpoint (PUT/GET /containers/{id}/archive)
 * cannot serve sandboxes: it works on the container's root filesystem from the host side, so it refuses a
 * read-only root ("container rootfs is marked read-only") and does not see tmpfs mounts such as /work and
 * /tmp at all (verified on runc and runsc). Files therefore travel through an exec in the sandbox: bytes on
 * stdin into `cat >`, and `head -c` back out on the demultiplexed stdout, as the sandbox user and inside its
 * limits (a file larger than the disk limit fails with ENOSPC in the sandbox).
 */
import type Dockerode from 'dockerode'
import { ConfigError, GuestError, SandboxError } from '../../errors.js'
import { inspectExec, startExec, type StreamEnd } from './exec-stream.js'

const WRITE_SCRIPT = 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1"'

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

interface FileExec {
  cmd: string[]
  stdin: Uint8Array | undefined
  maxStdoutBytes: number
  what: string
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

async function runFileExec(
  container: Dockerode.Container,
  job: FileExec,
  options: FileOptions,
): Promise<Buffer> {
  const { what, maxStdoutBytes } = job
  const timeoutMs = options.timeoutMs ?? 30_000
  if (options.signal?.aborted) throw cancelled(what)
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  let stdoutBytes = 0
  const handle = await startExec(container, { cmd: job.cmd, stdin: job.stdin }, (stream, chunk) => {
    if (stream === 'stderr') {
      if (stderr.length < 64) stderr.push(Buffer.from(chunk))
      return
    }
    stdoutBytes += chunk.length
    if (stdoutBytes <= maxStdoutBytes) stdout.push(Buffer.from(chunk))
  })
  const end = await waitFor(handle.ended, timeoutMs, options.signal)
  if (end === 'timeout' || end === 'aborted') {
    handle.detach()
    throw end === 'aborted' ? cancelled(what) : timeoutError(what, timeoutMs)
  }
  if (end.kind === 'error')
    throw new GuestError('FileError', `${what} failed: the exec stream broke`)
  const state = await inspectExec(handle.exec)
  if (stdoutBytes > maxStdoutBytes)
    throw new GuestError('FileError', `${what}: the file is larger than ${maxStdoutBytes} bytes`)
  if (state.exitCode !== 0) {
    const message =
      Buffer.concat(stderr).toString('utf8').trim() || `exit code ${String(state.exitCode)}`
    throw new GuestError('FileError', `${what} failed: ${message}`)
  }
  return Buffer.concat(stdout)
}

function cancelled(what: string): SandboxError {
  return new SandboxError('ERR_CANCELLED', `${what} was cancelled`)
}

/**
 * Writes `data` to `path` in the sandbox, creating parent directories.
 * @throws ConfigError for a relative path; GuestError when the sandbox refuses (read-only, no space);
 *   SandboxError ERR_CANCELLED when `signal` aborts.
 */
export async function writeSandboxFile(
  container: Dockerode.Container,
  path: string,
  data: string | Uint8Array,
  options: FileOptions = {},
): Promise<void> {
  const stdin = typeof data === 'string' ? Buffer.from(data) : data
  const cmd = ['sh', '-c', WRITE_SCRIPT, 'sandtier-write', checkPath(path)]
  await runFileExec(
    container,
    { cmd, stdin, maxStdoutBytes: 0, what: `writeFile ${path}` },
    options,
  )
}

/**
 * Reads `path` from the sandbox; `head -c` bounds what the sandbox sends, so /dev/zero cannot stream forever.
 * @throws ConfigError for a relative path; GuestError when it is missing, unreadable or over maxBytes;
 *   SandboxError ERR_CANCELLED when `signal` aborts.
 */
export async function readSandboxFile(
  container: Dockerode.Container,
  path: string,
  maxBytes: number,
  options: FileOptions = {},
): Promise<Uint8Array> {
  const cmd = ['head', '-c', String(maxBytes + 1), '--', checkPath(path)]
  return await runFileExec(
    container,
    { cmd, stdin: undefined, maxStdoutBytes: maxBytes, what: `readFile ${path}` },
    options,
  )
}
