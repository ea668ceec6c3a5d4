/**
 * Hedged escalation (issue 17): an auto-mode JavaScript (quickjs) or Python (pywasm) run starts in
 * process, on a sandbox whose guest holds nothing from earlier runs (run-attempts.ts); if it is still going
 * `hedgeAfterMs` later and has made no host call, the same request is also started on the container for
 * its trust level, side by side. The first to finish wins; the other is cancelled (its container run
 * killed through its AbortSignal, its in-process run interrupted) and its result dropped, its CPU counted.
 *
 * Never duplicated: only a run that cannot reach outside is hedged (hedgeable: no hostFunctions, which
 * only the in-process tier answers, and the network off), and the in-process attempt's first host call or
 * fetch (RunContext.onSideEffect, told before the call is answered) stops the hedge: before the hedge point
 * it is not started; after it the container attempt is cancelled and the in-process attempt goes on alone.
 * That is safe because the container attempt, network off, has no channel out of its container: what it
 * did before the cancel stays in its private /work, which the winner never copies and the next escalation
 * empties first.
 *
 * Files: a hedge starts only from an empty folder (the in-process folder cannot be read while its run
 * goes on), so the container attempt starts from an emptied /work; a container winner's folder is copied
 * back whole over the in-process one (the in-process loser's writes go; a cancelled pywasm run's folder
 * never comes back from its worker). Output: hedge-output.ts.
 */
import type { ResolvedConfig } from '../config.js'
import type { TierFiles } from '../tiers/tier-files.js'
import type { RunContext, TierSandbox } from '../tiers/tier.js'
import type { EscalationHedge, ExecResult, TierId } from '../types.js'
import { decideEscalation, mayEscalate, withBudget } from './escalation.js'
import { escalateIfNeeded, type EscalationStep } from './escalated-run.js'
import { clearFolder, copyFolder } from './folder-copy.js'
import type { HeavyCodes } from './heavy-codes.js'
import { HedgeOutput } from './hedge-output.js'
import type { ProbeEntry, ProbeWheel } from './probe-wheel.js'
import type { OutputSink } from './output-sink.js'
import { containerTierFor } from './router.js'

export interface HedgeStep extends EscalationStep {
  /** The in-process sandbox the run starts on. */
  sandbox: TierSandbox
  /** Where the run's output streams, when someone listens. */
  output: OutputSink | undefined
  /** The manager's memory of heaviness: a container winner's code is added. */
  heavy: HeavyCodes
  /** The manager's hedge points, on one timer. */
  probes: ProbeWheel
  /** The sandbox had no container before this run: one made for it has an empty /work already. */
  freshContainer: boolean
}

/**
 * Whether a run may be hedged: auto mode in process (quickjs, pywasm), and neither attempt can reach
 * outside the sandbox (pywasm has neither host functions nor sockets: it never signals a side effect).
 */
export function hedgeable(tier: TierId, config: ResolvedConfig): boolean {
  return (
    mayEscalate(tier, config) &&
    !config.network.enabled &&
    Object.keys(config.hostFunctions).length === 0
  )
}

/** Whether a folder holds nothing (a quickjs folder known to be empty answers without a message). */
export async function folderEmpty(folder: TierFiles | undefined): Promise<boolean> {
  if (!folder || folder.knownEmpty?.()) return true
  return (await folder.list('.', 1).catch(() => [undefined])).length === 0
}

interface ContainerAttempt {
  to: TierId
  /** When it was started, in ms after the run's start. */
  afterMs: number
  stop: AbortController
  /** Why the manager cancelled it, once it did. */
  cancelled: 'side-effect' | 'lost' | undefined
  /** Its container could not be made or given an empty folder. */
  failed: boolean
  /** Its container is made: from here a cancel is awaited (for its CPU, and so nothing of it goes on). */
  made: boolean
  /** Its result; undefined when it never ran (no container, cancelled before it started). */
  done: Promise<ExecResult | undefined>
  files: TierFiles | undefined
}

export function hedgedRun(step: HedgeStep): Promise<ExecResult> {
  return new HedgedRun(step).run()
}

class HedgedRun {
  readonly #step: HedgeStep
  readonly #held: HedgeOutput | undefined
  #attempt: ContainerAttempt | undefined
  #sideEffect = false
  #inProcessEnded = false
  /** The in-process attempt's hedge point on the manager's wheel, from its hand-over to its worker. */
  #probe: ProbeEntry | undefined
  /** Stops the in-process attempt (RunContext.onCancelable). */
  #cancelInProcess: (() => void) | undefined
  /** The container attempt's result once it finished first with a result that may stand. */
  #containerResult: ExecResult | undefined
  /** Ends the wait for the in-process attempt once #containerResult is set. */
  #containerWon: () => void = () => undefined

  constructor(step: HedgeStep) {
    this.#step = step
    this.#held = step.output && new HedgeOutput(step.output)
  }

  async run(): Promise<ExecResult> {
    const { request, context, tierId } = this.#step
    // No AbortController, listener or timer of its own for the in-process attempt: the caller's signal
    // reaches it as it is, the manager stops it through onCancelable, and its probe is an entry on the
    // manager's wheel (probe-wheel.ts). A run that ends before the probe pays for little more than this.
    // Named fields, not a spread (V8's slow path, microseconds a run): RunContext's fields from the manager.
    const inContext: RunContext = {
      notAfterMs: context.notAfterMs,
      cpuBudgetMs: context.cpuBudgetMs,
      lastRun: context.lastRun,
      onSideEffect: () => this.#onSideEffect(),
      // The probe counts from the run's hand-over to its worker (not from a worker's boot), once.
      onRunning: () => this.#onRunning(),
      onCancelable: (cancel) => (this.#cancelInProcess = cancel),
    }
    const held = this.#held
    const inProcess = this.#step.sandbox.execute(
      held ? { ...request, onOutput: held.inProcess } : request,
      inContext,
    )
    try {
      // The in-process result, or undefined once the container attempt finished first with one that stands.
      const first = await new Promise<ExecResult | undefined>((resolve, reject) => {
        this.#containerWon = () => resolve(undefined)
        inProcess.then(resolve, reject)
      })
      this.#inProcessEnded = true
      const attempt = this.#attempt
      if (first === undefined && attempt && this.#containerResult) {
        // The container finished first: the in-process attempt is interrupted and its result dropped.
        const second = this.#containerResult
        const finishedMs = performance.now()
        this.#cancelInProcess?.()
        return await this.#containerWins(second, await inProcess, 'first-to-finish', finishedMs)
      }
      const result = first as ExecResult
      if (!attempt) return await escalateIfNeeded(this.#step, result)
      const budget = context.cpuBudgetMs
      const decision = decideEscalation(
        tierId,
        this.#step.config,
        withBudget(result, budget),
        budget,
      )
      if (decision.kind === 'escalate' && attempt.cancelled === undefined) {
        // Stopped by its CPU budget or a capability: the container attempt's result stands.
        const second = await attempt.done
        if (second && mayStand(second, attempt, request.signal))
          return await this.#containerWins(second, result, 'in-process-stopped', performance.now())
      }
      attempt.cancelled ??= 'lost'
      attempt.stop.abort()
      // A container still being made has run nothing: the result does not wait for it.
      const loser = attempt.made ? await attempt.done : undefined
      this.#held?.decide('in-process', tierId)
      const why: EscalationHedge['why'] = attempt.failed
        ? 'container-failed'
        : attempt.cancelled === 'side-effect'
          ? 'side-effect'
          : 'first-to-finish'
      const hedge: EscalationHedge = { afterMs: attempt.afterMs, winner: tierId, why }
      // As without a hedge: a result that may not move is the first's (with why); one that must (its
      // container attempt could not run) moves now.
      const own = await escalateIfNeeded(this.#step, result)
      return this.#withHedge(own, loser, hedge)
    } finally {
      this.#step.probes.remove(this.#probe)
    }
  }

  #onRunning(): void {
    if (this.#probe || this.#inProcessEnded || this.#sideEffect) return
    this.#probe = this.#step.probes.add(this.#step.config.hedgeAfterMs, () => this.#start())
  }

  #onSideEffect(): void {
    this.#sideEffect = true
    this.#step.probes.remove(this.#probe)
    const attempt = this.#attempt
    if (attempt && attempt.cancelled === undefined) {
      attempt.cancelled = 'side-effect'
      attempt.stop.abort()
    }
  }

  /** The hedge point: the container attempt starts, unless the in-process one made a host call or ended. */
  #start(): void {
    if (this.#sideEffect || this.#inProcessEnded) return
    const { request, config, startedMs } = this.#step
    const to = containerTierFor(config.trust)
    const stop = new AbortController()
    const unlink = linkAbort(request.signal, stop)
    this.#held?.hold()
    const attempt: ContainerAttempt = {
      to,
      afterMs: Math.round(performance.now() - startedMs),
      stop,
      cancelled: undefined,
      failed: false,
      made: false,
      done: Promise.resolve(undefined),
      files: undefined,
    }
    this.#attempt = attempt
    attempt.done = this.#runContainer(attempt).finally(unlink)
    void attempt.done.then((result) => {
      if (!result || !mayStand(result, attempt, request.signal) || this.#inProcessEnded) return
      this.#containerResult = result
      this.#containerWon()
    })
  }

  async #runContainer(attempt: ContainerAttempt): Promise<ExecResult | undefined> {
    const { request, startedMs } = this.#step
    const { stop, to } = attempt
    let container: TierSandbox
    try {
      container = await this.#step.container(to)
      attempt.made = !stop.signal.aborted
      // Left by an earlier escalation of this sandbox: the run starts, as in process, from an empty folder.
      if (container.files && !stop.signal.aborted && !this.#step.freshContainer)
        await clearFolder(container.files)
    } catch {
      attempt.failed = true
      return undefined
    }
    const notAfterMs = startedMs + request.timeoutMs
    if (stop.signal.aborted || performance.now() >= notAfterMs) return undefined
    attempt.files = container.files
    this.#step.onEscalate(to, 'hedge')
    const onOutput = this.#held?.container ?? request.onOutput
    return await container.execute({ ...request, signal: stop.signal, onOutput }, { notAfterMs })
  }

  async #containerWins(
    second: ExecResult,
    first: ExecResult,
    why: EscalationHedge['why'],
    finishedMs: number,
  ): Promise<ExecResult> {
    const { tierId, config, request, folder, startedMs } = this.#step
    const attempt = this.#attempt as ContainerAttempt
    this.#held?.decide('container', attempt.to)
    // The winner's writes only: the in-process folder becomes what the container's /work holds. Best effort,
    // like any reading of a folder after a run (a released last-run sandbox takes no files); a run given up
    // on (cancelled, timed out) leaves the folder as it is, as on any tier.
    if (second.status !== 'cancelled' && second.status !== 'timeout') {
      // A last run's in-process sandbox is gone with its reply: the result reads the container's folder.
      if (this.#step.context.lastRun && attempt.files) this.#step.onFolder?.(attempt.files)
      else if (folder && attempt.files)
        await copyFolder(attempt.files, folder, config.diskSpaceBytes).catch(() => undefined)
      this.#step.heavy.add(request.code, request.language, config.trust)
    }
    const durationMs = finishedMs - startedMs
    const hedge: EscalationHedge = { afterMs: attempt.afterMs, winner: attempt.to, why }
    return {
      ...second,
      durationMs,
      usage: { ...second.usage, wallMs: durationMs, cpuMs: first.usage.cpuMs + second.usage.cpuMs },
      escalations: [
        { from: tierId, to: attempt.to, reason: 'hedge', hedge },
        ...second.escalations,
      ],
    }
  }

  #withHedge(
    result: ExecResult,
    loser: ExecResult | undefined,
    hedge: EscalationHedge,
  ): ExecResult {
    const { tierId } = this.#step
    const to = (this.#attempt as ContainerAttempt).to
    return {
      ...result,
      usage: { ...result.usage, cpuMs: result.usage.cpuMs + (loser?.usage.cpuMs ?? 0) },
      escalations: [{ from: tierId, to, reason: 'hedge', hedge }, ...result.escalations],
    }
  }
}

/**
 * A container result that may be the run's: not one the manager cancelled, nor a crash of the container's
 * machinery (the in-process attempt is still there to answer).
 */
function mayStand(result: ExecResult, attempt: ContainerAttempt, caller?: AbortSignal): boolean {
  if (attempt.cancelled !== undefined || result.status === 'crashed') return false
  // Cancelled by the caller: both attempts end 'cancelled', and whichever says so first is the result.
  return !attempt.stop.signal.aborted || caller?.aborted === true
}

/** Aborts `controller` when `signal` does; returns the unlinking. */
function linkAbort(signal: AbortSignal | undefined, controller: AbortController): () => void {
  if (!signal) return () => undefined
  if (signal.aborted) controller.abort()
  const abort = (): void => controller.abort()
  signal.addEventListener('abort', abort, { once: true })
  return () => signal.removeEventListener('abort', abort)
}
