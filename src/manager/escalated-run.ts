/**
 * The second half of an escalated run: what the manager does with a first attempt that decideEscalation
 * says must move (or may not). The container attempt continues the first attempt's wall clock; the result
 * carries both attempts' time and the escalation, or the first attempt's with why it stayed.
 */
import type { ResolvedConfig } from '../config.js'
import { timeoutError } from '../limits/limit-errors.js'
import { execResult } from '../limits/run-outcome.js'
import type { FileEntry, TierFiles } from '../tiers/tier-files.js'
import type { NormalizedRequest, RunContext, TierSandbox } from '../tiers/tier.js'
import type { Escalation, ExecResult, TierId } from '../types.js'
import { decideEscalation, escalationFailed, withBudget, withStateNote } from './escalation.js'
import { copyBack, copyFolder } from './folder-copy.js'

export interface EscalationStep {
  tierId: TierId
  config: ResolvedConfig
  request: NormalizedRequest
  context: RunContext
  /** When the first attempt started (`performance.now()`): the caller's clock. */
  startedMs: number
  /** The sandbox's container for escalated runs, made on first need (the caller keeps it). */
  container: (to: TierId) => Promise<TierSandbox>
  /** Told once the container attempt is about to run. */
  onEscalate: (to: TierId, reason: string) => void
  /** The first sandbox's folder, which the container run works on (copied in, and back after it). */
  folder?: TierFiles | undefined
  /**
   * Told when the run's folder stays in the container: a last run (run()) freed its in-process sandbox with
   * the first reply, so nothing can be copied back; the result's out/ files are read from here.
   */
  onFolder?: ((files: TierFiles) => void) | undefined
  /**
   * The in-process guest held state before this run (earlier runs' globals, a restored or forked state):
   * a container attempt runs without it, and its escalation record and a missing name say so.
   */
  stateful?: boolean | undefined
}

export async function escalateIfNeeded(
  step: EscalationStep,
  stopped: ExecResult,
): Promise<ExecResult> {
  const { tierId, config, context } = step
  const first = withBudget(stopped, context.cpuBudgetMs)
  const decision = decideEscalation(tierId, config, first, context.cpuBudgetMs)
  if (decision.kind === 'none') return first
  if (decision.kind === 'refused') {
    const error = first.error && {
      ...first.error,
      message: `${first.error.message}; ${decision.why}`,
    }
    return error ? { ...first, error } : first
  }
  return (await onContainer(step, decision.to, decision.reason, first)) ?? first
}

/**
 * The run on the container `to`, after the in-process attempt `first` (an escalation) or instead of it
 * (code known to be heavy: first undefined). A container that cannot be made or given the folder: the first
 * attempt's result saying why, or undefined when there was none (the caller runs it in process).
 */
export async function onContainer(
  step: EscalationStep,
  to: TierId,
  reason: string,
  first?: ExecResult,
): Promise<ExecResult | undefined> {
  const { tierId, config, request, context, folder } = step
  let container: TierSandbox
  try {
    container = await step.container(to)
  } catch (err) {
    return first && escalationFailed(first, to, err)
  }
  // One folder: the container's /work is made to hold the sandbox's files before the re-run, and what the
  // run changed there comes back after it (both within diskSpace).
  let copied: FileEntry[] | undefined
  try {
    if (folder && container.files)
      copied = await copyFolder(folder, container.files, config.diskSpaceBytes)
  } catch (err) {
    return first && escalationFailed(first, to, err)
  }
  step.onEscalate(to, reason)
  // One wall-clock limit for the whole run: the container gets what the first attempt (and the
  // container's start) left of it, never a fresh one.
  const notAfterMs = step.startedMs + request.timeoutMs
  const attempt =
    performance.now() < notAfterMs
      ? await container.execute(request, { notAfterMs, lastRun: context.lastRun })
      : timedOutBeforeStart(to, request.timeoutMs)
  // Only a run after an in-process attempt can find state missing: one sent straight there is a fresh
  // sandbox's first run (run-attempts.ts).
  const stateLeft = first !== undefined && step.stateful === true
  const second = stateLeft ? withStateNote(attempt, tierId, to) : attempt
  if (context.lastRun && container.files) step.onFolder?.(container.files)
  else if (folder && container.files && copied)
    // What does not fit the sandbox's own folder, or cannot reach it, stays in the container only: a
    // guest outcome never rejects execute.
    await copyBack(container.files, folder, copied, config.diskSpaceBytes).catch(() => undefined)
  const escalation: Escalation = stateLeft
    ? { from: tierId, to, reason, stateCarried: false }
    : { from: tierId, to, reason }
  // Straight to the container: the run's clock started before the container was ready.
  if (!first) {
    const durationMs = performance.now() - step.startedMs
    return { ...second, durationMs, escalations: [escalation, ...second.escalations] }
  }
  const wallMs = first.usage.wallMs + second.usage.wallMs
  return {
    ...second,
    durationMs: first.durationMs + second.durationMs,
    usage: { ...second.usage, wallMs, cpuMs: first.usage.cpuMs + second.usage.cpuMs },
    escalations: [...first.escalations, escalation, ...second.escalations],
  }
}

/** The container attempt of an escalated run that had no time left when the container was ready. */
function timedOutBeforeStart(tier: TierId, timeoutMs: number): ExecResult {
  return execResult({ tier, status: 'timeout', durationMs: 0, error: timeoutError(timeoutMs) })
}
