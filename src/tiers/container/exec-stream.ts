/**
 * One `docker exec` with a hijacked, multiplexed stream (Tty false): stdin written and half-closed, stdout and
 * stderr demultiplexed and handed out while they stream. The stream ends when every holder of the exec's
 * stdout/stderr closed them, which is not always when the exec's process exits (see waitExecExit).
 */
import type { Duplex } from 'node:stream'
import type Dockerode from 'dockerode'
import { engineCall } from './engine-call.js'
import { FrameDemuxer, type OutputStream } from './frame-demuxer.js'

export interface ExecSpec {
  cmd: string[]
  /** Added to the container's environment for this process only. */
  env?: string[]
  stdin?: Uint8Array | undefined
  /** Deadline of the create and start calls. @default 15_000 */
  callTimeoutMs?: number
}

/** How the stream ended: cleanly, or with a transport error (engine gone, connection reset). */
export type StreamEnd = { kind: 'end' } | { kind: 'error'; error: unknown }

/** A started exec. */
export interface ExecHandle {
  readonly exec: Dockerode.Exec
  /** Settles (never rejects) when the output stream ended. */
  readonly ended: Promise<StreamEnd>
  /** Stops reading: destroys the client side of the stream (the process is not affected). */
  detach(): void
  /**
   * Stops reading but keeps the stream: the engine's buffers and the exec's pipe fill up and the process
   * blocks on its next write, so a flood past a cap stops at once instead of streaming on into a closed
   * connection until the process is killed.
   */
  pause(): void
}

/** Deadline for creating and starting an exec (the engine answers these in milliseconds when healthy). */
const EXEC_CALL_TIMEOUT_MS = 15_000

/**
 * Creates and starts an exec in `container`.
 * @throws EngineError when the engine refuses (e.g. HTTP 409: the container is not running) or is gone.
 */
export async function startExec(
  container: Dockerode.Container,
  spec: ExecSpec,
  onOutput: (stream: OutputStream, chunk: Buffer) => void,
): Promise<ExecHandle> {
  const hasStdin = spec.stdin !== undefined
  const callTimeoutMs = spec.callTimeoutMs ?? EXEC_CALL_TIMEOUT_MS
  const exec = await engineCall(
    'create exec',
    () =>
      container.exec({
        Cmd: spec.cmd,
        Env: spec.env ?? [],
        AttachStdin: hasStdin,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
      }),
    callTimeoutMs,
  )
  const stream = (await engineCall<unknown>(
    'start exec',
    () => exec.start({ hijack: true, stdin: hasStdin }),
    callTimeoutMs,
  )) as Duplex
  const demuxer = new FrameDemuxer(onOutput)
  const ended = new Promise<StreamEnd>((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      try {
        demuxer.push(chunk)
      } catch (error) {
        resolve({ kind: 'error', error })
        stream.destroy()
      }
    })
    stream.once('end', () => {
      resolve({ kind: 'end' })
      stream.destroy()
    })
    stream.once('error', (error) => resolve({ kind: 'error', error }))
    stream.once('close', () => resolve({ kind: 'end' }))
  })
  if (spec.stdin !== undefined) {
    // A guest that exits without reading its stdin makes these writes fail with EPIPE: that is not an error.
    stream.write(spec.stdin, () => undefined)
    stream.end()
  }
  return { exec, ended, detach: () => stream.destroy(), pause: () => stream.pause() }
}

/** What `exec inspect` says about the exec's process. */
export interface ExecState {
  running: boolean
  exitCode: number | null
}

export async function inspectExec(exec: Dockerode.Exec, timeoutMs = 10_000): Promise<ExecState> {
  const info = await engineCall('inspect exec', () => exec.inspect(), timeoutMs)
  return {
    running: info.Running,
    exitCode: typeof info.ExitCode === 'number' ? info.ExitCode : null,
  }
}

/**
 * Waits until the exec's process exited, or `deadline` (epoch ms) passed. A guest that closes its stdout and
 * stderr ends the stream while it still runs: the run is over only when the process is.
 */
export async function waitExecExit(exec: Dockerode.Exec, deadline: number): Promise<ExecState> {
  let state = await inspectExec(exec)
  let pauseMs = 10
  while (state.running && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(pauseMs, Math.max(deadline - Date.now(), 1))))
    pauseMs = Math.min(pauseMs * 2, 200)
    state = await inspectExec(exec)
  }
  return state
}
