/**
 * Files in and out of a running sandbox. The engine's archive endpoint (PUT/GET /containers/{id}/archive)
 * cannot serve sandboxes: it works on the container's root filesystem from the host side, so it refuses a
 * read-only root ("container rootfs is marked read-only") and does not see tmpfs mounts such as /work and
 * /tmp at all (verified on runc and runsc). Files therefore travel through an exec in the sandbox: bytes on
 * stdin into `cat >`, and `cat` back out on the demultiplexed stdout, as the sandbox user and inside its
 * limits (a file larger than the disk limit fails with ENOSPC in the sandbox).
 */
import type Dockerode from 'dockerode'
import { ConfigError, GuestError } from '../../errors.js'
import { inspectExec, startExec } from './exec-stream.js'

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

async function runFileExec(
  container: Dockerode.Container,
  cmd: string[],
  stdin: Uint8Array | undefined,
  maxStdoutBytes: number,
  timeoutMs: number,
  what: string,
): Promise<Buffer> {
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  let stdoutBytes = 0
  let tooLarge = false
  const handle = await startExec(container, { cmd, stdin }, (stream, chunk) => {
    if (stream === 'stderr') {
      if (stderr.length < 64) stderr.push(Buffer.from(chunk))
      return
    }
    stdoutBytes += chunk.length
    if (stdoutBytes > maxStdoutBytes) tooLarge = true
    else stdout.push(Buffer.from(chunk))
  })
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  const end = await Promise.race([handle.ended, timedOut]).finally(() => clearTimeout(timer))
  if (end === 'timeout') {
    handle.detach()
    throw timeoutError(what, timeoutMs)
  }
  if (end.kind === 'error')
    throw new GuestError('FileError', `${what} failed: the exec stream broke`)
  const state = await inspectExec(handle.exec)
  if (tooLarge)
    throw new GuestError('FileError', `${what}: the file is larger than ${maxStdoutBytes} bytes`)
  if (state.exitCode !== 0) {
    const message =
      Buffer.concat(stderr).toString('utf8').trim() || `exit code ${String(state.exitCode)}`
    throw new GuestError('FileError', `${what} failed: ${message}`)
  }
  return Buffer.concat(stdout)
}

/**
 * Writes `data` to `path` in the sandbox, creating parent directories.
 * @throws ConfigError for a relative path; GuestError when the sandbox refuses (read-only, no space).
 */
export async function writeSandboxFile(
  container: Dockerode.Container,
  path: string,
  data: string | Uint8Array,
  timeoutMs = 30_000,
): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data
  const cmd = ['sh', '-c', WRITE_SCRIPT, 'sandtier-write', checkPath(path)]
  await runFileExec(container, cmd, bytes, 0, timeoutMs, `writeFile ${path}`)
}

/**
 * Reads `path` from the sandbox.
 * @throws ConfigError for a relative path; GuestError when it is missing, unreadable or over maxBytes.
 */
export async function readSandboxFile(
  container: Dockerode.Container,
  path: string,
  maxBytes: number,
  timeoutMs = 30_000,
): Promise<Uint8Array> {
  const cmd = ['cat', '--', checkPath(path)]
  return await runFileExec(container, cmd, undefined, maxBytes, timeoutMs, `readFile ${path}`)
}
