/**
 * The process of one run as runInContainer drives it, the same for both ways a run is carried out: an exec of
 * its own, or a run of the container's resident runner (runner-channel.ts). Also how the run's end is awaited
 * (a closed stdout is not an exit) and how a stopped run's stream is let go within the termination budget.
 */
import { inspectExec, startExec, type ExecState, type StreamEnd } from './exec-stream.js'
import type { OutputStream } from './frame-demuxer.js'
import type { RunControl } from './run-control.js'
import type { RunContext } from './container-run.js'
import type { RunnerChannel } from './runner-channel.js'
import type { SessionWord } from './runner-frames.js'
import type { TerminationOutcome } from './terminate-run.js'

/** The run's process as runInContainer drives it: an exec, or a run of the container's runner. */
export interface RunProcess {
  readonly ended: Promise<StreamEnd>
  pause(): void
  /** Lets go of a stream paused at the output cap (exec: detached; runner: drained until its exit frame). */
  release(): void
  state(timeoutMs?: number): Promise<ExecState>
  /** The runner, when the run is one of its runs. */
  runner?: RunnerChannel
  /** The exit frame's session word (runner runs). */
  session?: () => SessionWord
  /** The exit frame's out/ hint (runner runs; RunExit.outputWritten). */
  outputWritten?: () => boolean | undefined
}

/** How long a stopped run of the runner may take to send its exit frame once its processes are killed. */
const RUNNER_GRACE_MS = 1000

export async function startProcess(
  ctx: RunContext,
  stdin: Buffer,
  onOutput: (stream: OutputStream, chunk: Buffer) => void,
): Promise<RunProcess> {
  const { runner, command } = ctx
  if (runner) {
    const run = runner.start(command.cmd, stdin, command.endNonce, onOutput)
    return {
      ended: run.ended,
      pause: () => run.pause(),
      release: () => run.drain(),
      state: () => Promise.resolve(run.state()),
      runner,
      session: () => run.session(),
      outputWritten: () => run.outputWritten(),
    }
  }
  const handle = await startExec(ctx.container, { cmd: command.cmd, stdin }, onOutput)
  return {
    ended: handle.ended,
    pause: () => handle.pause(),
    release: () => handle.detach(),
    state: (timeoutMs) => inspectExec(handle.exec, timeoutMs),
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

// The stream ended: the run is over once the process exited too (a guest may close stdout and keep running).
export async function awaitExit(handle: RunProcess, control: RunControl): Promise<ExecState> {
  let state = await handle.state()
  let pauseMs = 10
  while (state.running && !control.stop) {
    await Promise.race([sleep(pauseMs), control.interrupted])
    pauseMs = Math.min(pauseMs * 2, 200)
    if (control.containerExited) break
    if (!control.stop) state = await handle.state()
  }
  return state
}

/** How long a stopped run's stream may take to end after its processes are gone (the 2 s budget's rest). */
const STREAM_GRACE_MS = 200

export async function finishStopped(
  handle: RunProcess,
  control: RunControl,
): Promise<TerminationOutcome> {
  const outcome = (await control.termination) ?? 'failed'
  if (handle.runner) {
    // The run's processes are gone: the runner sends what its pipes still held, then the exit frame.
    handle.release()
    const ended = await Promise.race([handle.ended, sleep(RUNNER_GRACE_MS).then(() => undefined)])
    if (ended === undefined) handle.runner.close()
    return outcome
  }
  // The stream paused at the output cap has nothing more to give.
  if (control.stop === 'output') {
    handle.release()
    return outcome
  }
  // With the processes gone the stream ends at once; do not wait on a wedged engine.
  const ended = await Promise.race([handle.ended, sleep(STREAM_GRACE_MS).then(() => undefined)])
  if (ended === undefined) handle.release()
  return outcome
}
