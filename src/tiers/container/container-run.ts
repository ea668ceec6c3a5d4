/**
 * One run in a sandbox container: starts the exec (the framed request, then the guest's stdin, on its stdin),
 * streams and counts output, enforces the wall-clock, CPU and output limits and cancellation, ends the whole
 * run when one hits and after its normal end too (terminate-run.ts: nothing the run started outlives it), and
 * gathers the facts classify-run.ts turns into an ExecResult. Never hangs: every wait is bounded by the run's
 * deadline plus the termination budget, also when the engine disappears.
 */
import type Dockerode from 'dockerode'
import type { EngineError } from '../../errors.js'
import type { CgroupCounters, CgroupReader } from './cgroup-stats.js'
import { inspectContainer, type ContainerState } from './container-lifecycle.js'
import { isEngineUnreachable, toEngineError } from './engine-call.js'
import type { GuestCommand } from './guest-command.js'
import { OutputCollector, type CollectedOutput } from './output-collector.js'
import type { ProcessCensus } from './process-census.js'
import { RunControl } from './run-control.js'
import type { RunnerChannel } from './runner-channel.js'
import type { SessionWord } from './runner-frames.js'
import { awaitExit, finishStopped, sleep, startProcess, type RunProcess } from './run-process.js'
import { endRun, type TerminationOutcome } from './terminate-run.js'
import type { StopReason } from '../../limits/deadline.js'
import type { NormalizedRequest } from '../../config.js'
import { outputText } from '../output-text.js'

export interface RunLimits {
  timeoutMs: number
  cpuTimeMs: number
  cpuQuota: number
  maxOutputBytes: number
  maxReportBytes: number
}

export interface RunContext {
  container: Dockerode.Container
  cgroup: CgroupReader
  /** The host's census of the container's processes (runc with local cgroup files), else undefined. */
  census: ProcessCensus | undefined
  command: GuestCommand
  /** The guest's own stdin, sent after the framed request. */
  stdin: Uint8Array | undefined
  limits: RunLimits
  signal: AbortSignal | undefined
  /** Where output goes as it is kept (NormalizedRequest.onOutput); undefined: only with the result. */
  onOutput?: NormalizedRequest['onOutput']
  /** Watch the container's own death during the run (runsc; see RunControl). */
  watchExit: boolean
  /** The container's resident runner: the run is a message to it instead of an exec (runner-channel.ts). */
  runner?: RunnerChannel | undefined
  /**
   * A session's run (session-run.ts): the sweep after its normal end spares the live interpreter, by the
   * census given here (which leaves its host pid out) and by its pid in the container for kill-run.sh.
   */
  session?: { census: ProcessCensus | undefined; sparePid: number | undefined } | undefined
}

/** Everything known about a finished run. */
export interface RunFacts {
  output: CollectedOutput
  exitCode: number | null
  stop: StopReason | undefined
  /** How the run's processes were ended after a stop. */
  termination: TerminationOutcome | undefined
  /** How the run's leftovers were ended after its normal end; undefined when it was stopped or lost. */
  sweep: TerminationOutcome | undefined
  /** The engine went away during the run. */
  engineError: EngineError | undefined
  /** Inspected when the exit code or the stream suggested the container itself may have died. */
  container: ContainerState | undefined
  wallMs: number
  cpuMs: number
  memoryPeakBytes: number
  oomKills: number
  pidsLimitHits: number
  /** The container's runner broke its channel (a bad frame, its stream ended, or it stopped answering). */
  runnerLost?: boolean
  /** A session run's exit frame said the interpreter died ('lost') or was not there ('none'). */
  sessionWord?: SessionWord
  /** The runner's out/ hint (RunExit.outputWritten); undefined for an exec or a runner that does not say. */
  outputWritten?: boolean | undefined
}

/**
 * Runs a command in the container under the limits.
 * @throws EngineError when the exec cannot be started (e.g. 409: the container is not running).
 */
export async function runInContainer(ctx: RunContext): Promise<RunFacts> {
  const { container, cgroup, command, limits } = ctx
  const control = new RunControl(container, cgroup, ctx.census, ctx.watchExit, limits.timeoutMs)
  // The exec, once started: the output limit may fire from its first chunk on.
  const current: { handle?: RunProcess } = {}
  const streamed = ctx.onOutput && outputText(ctx.onOutput)
  const collector = new OutputCollector({
    onKept: streamed && ((stream, bytes) => streamed.bytes(stream, bytes)),
    maxOutputBytes: limits.maxOutputBytes,
    nonce: command.nonce,
    endNonce: command.endNonce,
    maxReportBytes: limits.maxReportBytes,
    // Past the cap nothing more is read: the guest blocks once the engine's buffers are full, and the
    // stream is let go once the killer has stopped it (see endRun's onKillStarted).
    onLimit: () => {
      current.handle?.pause()
      control.request('output', () => current.handle?.release())
    },
  })
  await cgroup.resetPeak()
  const before = await cgroup.read()
  control.setBaseline(before)
  const stdin = ctx.stdin ? Buffer.concat([command.request, ctx.stdin]) : command.request
  const handle = await startProcess(ctx, stdin, (s, c) => collector.write(s, c))
  current.handle = handle
  if (collector.exceeded) handle.pause()
  // The run's clock (wallMs and the deadline) starts when its process does.
  const started = Date.now()
  control.startClock()
  const onAbort = (): void => control.request('cancelled')
  ctx.signal?.addEventListener('abort', onAbort, { once: true })
  if (ctx.signal?.aborted) onAbort()
  // With a quota of q CPUs a run cannot use more than q × its wall time: below that, no need to watch.
  if (limits.cpuTimeMs < limits.timeoutMs * limits.cpuQuota)
    control.watchCpu(before, limits.cpuTimeMs)

  let engineError: EngineError | undefined
  let runnerLost = false
  let exitCode: number | null = null
  let termination: TerminationOutcome | undefined
  try {
    const first = await Promise.race([handle.ended, control.interrupted.then(() => undefined)])
    if (first?.kind === 'error' && isEngineUnreachable(first.error))
      engineError = toEngineError('exec stream', first.error)
    else if (first?.kind === 'error' && handle.runner) runnerLost = true
    if (!control.stop && !engineError && !control.containerExited) {
      const state = await awaitExit(handle, control)
      exitCode = state.exitCode
    }
    // The sandbox died under the run (runsc: OOM, pids): its exec stream may never end by itself.
    if (control.containerExited && !control.stop) handle.release()
    if (control.stop) termination = await finishStopped(handle, control)
    if (handle.runner?.broken) runnerLost = true
    if (control.stop && !engineError)
      exitCode = (await handle.state(2000).catch(() => undefined))?.exitCode ?? null
  } catch (error) {
    if (!isEngineUnreachable(error)) throw error
    engineError = toEngineError('exec', error)
  } finally {
    control.dispose()
    ctx.signal?.removeEventListener('abort', onAbort)
  }
  const wallMs = Date.now() - started
  const suspicious =
    exitCode === null ||
    exitCode >= 128 ||
    termination !== undefined ||
    control.containerExited ||
    runnerLost
  let state: ContainerState | undefined
  const inspect = (): Promise<ContainerState | undefined> =>
    inspectContainer(container).catch((error: unknown) => {
      // An engine shutting down stops the container (the exec exits 137) and then stops answering.
      if (isEngineUnreachable(error)) engineError = toEngineError('inspect container', error)
      return undefined
    })
  if (suspicious && !engineError) state = await inspect()
  let after = engineError ? control.lastSample : await control.sample()
  // Killed by a signal nobody explains (not us, not the OOM killer), or the runner's channel broke, while the
  // container looks alive: the engine may be stopping it without having recorded that yet (under runsc the
  // OOM killer ends the whole sandbox, and the runner's stream breaks before the engine sees the exit). Look
  // again once before blaming the guest.
  const oom = (after?.oomKills ?? 0) > (before?.oomKills ?? 0)
  const unexplained = runnerLost || (exitCode !== null && exitCode >= 128)
  if (state?.running && unexplained && !control.stop && !oom) {
    await sleep(250)
    if (!engineError) state = await inspect()
    if (!engineError) after = await control.sample()
  }
  // The run ended by itself: whatever it left behind (a background loop, a setsid'd child) ends now, before
  // it can idle on the host's CPU or watch the next run — unless run-guest.sh already did so and vouched for
  // it. After the sample, so the sweep's own exec is not billed to the run.
  const output = collector.finish()
  streamed?.end()
  let sweep: TerminationOutcome | undefined
  const alive = state === undefined || (state.running && !state.missing)
  if (!control.stop && !engineError && !control.containerExited && !runnerLost && alive)
    sweep = output.endVerified
      ? 'cleaned'
      : await endRun(container, {
          census: ctx.session ? ctx.session.census : ctx.census,
          normalEnd: true,
          pidsExhausted: false,
          sparePid: ctx.session?.sparePid,
        })
  const facts = buildFacts(output, control, {
    runnerLost,
    exitCode,
    termination,
    sweep,
    engineError,
    state,
    wallMs,
    before,
    after,
  })
  facts.sessionWord = handle.session?.()
  facts.outputWritten = handle.outputWritten?.()
  return facts
}

function delta(after: number | undefined, before: number | undefined): number {
  return after !== undefined && before !== undefined ? Math.max(after - before, 0) : 0
}

interface RawFacts {
  runnerLost: boolean
  exitCode: number | null
  termination: TerminationOutcome | undefined
  sweep: TerminationOutcome | undefined
  engineError: EngineError | undefined
  state: ContainerState | undefined
  wallMs: number
  before: CgroupCounters | undefined
  after: CgroupCounters | undefined
}

function buildFacts(output: CollectedOutput, control: RunControl, raw: RawFacts): RunFacts {
  const { before, after } = raw
  return {
    output,
    exitCode: raw.exitCode,
    stop: control.stop,
    termination: raw.termination,
    sweep: raw.sweep,
    engineError: raw.engineError,
    container: raw.state,
    wallMs: raw.wallMs,
    cpuMs: Math.round(delta(after?.cpuNs, before?.cpuNs) / 1e6),
    memoryPeakBytes: after?.memoryPeakBytes ?? before?.memoryPeakBytes ?? 0,
    oomKills: delta(after?.oomKills, before?.oomKills),
    pidsLimitHits: delta(after?.pidsLimitHits, before?.pidsLimitHits),
    runnerLost: raw.runnerLost,
  }
}
