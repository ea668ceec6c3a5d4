/**
 * Which attempts a run gets, in order: code known to be heavy goes straight to the container
 * ('heavy-before'); a hedgeable run starts in process and may be hedged (hedged-run.ts); any other runs in
 * process and escalates afterwards if it must (escalated-run.ts). Only a sandbox's first run is hedged,
 * sent straight to a container or given the in-process CPU budget: after it (or once restored or forked)
 * the guest may hold globals a container would not have, so a later run stays in process up to the
 * caller's limits; it moves only for a capability (escalation.ts).
 */
import type { ExecResult } from '../types.js'
import { escalateIfNeeded, onContainer } from './escalated-run.js'
import { withoutBudget } from './escalation.js'
import { folderEmpty, hedgeable, hedgedRun, type HedgeStep } from './hedged-run.js'
import type { LiveSandbox } from './live-sandbox.js'
import { containerTierFor } from './router.js'

/** What the manager gives: the rest of the step comes from the live sandbox. */
export type AttemptsStep = Omit<
  HedgeStep,
  'tierId' | 'config' | 'folder' | 'sandbox' | 'freshContainer' | 'stateful'
>

export async function runAttempts(live: LiveSandbox, given: AttemptsStep): Promise<ExecResult> {
  const { tierId, config, sandbox } = live
  const freshContainer = live.escalated === undefined
  // Whatever this run leaves in the guest (globals), the next one would not find on a container.
  const stateful = live.stateful
  live.stateful = true
  // Named fields, not a spread of `given`: copying an object literal's fields by spread went through V8's
  // slow path and cost a run('1+1') microseconds (measured: scratch/y-mgr-cost.mjs).
  const step: HedgeStep = {
    request: given.request,
    context: stateful ? withoutBudget(given.context) : given.context,
    startedMs: given.startedMs,
    container: given.container,
    onEscalate: given.onEscalate,
    onFolder: given.onFolder,
    output: given.output,
    heavy: given.heavy,
    probes: given.probes,
    tierId,
    config,
    sandbox,
    folder: sandbox.files,
    freshContainer,
    stateful,
  }
  const { request, heavy } = step
  if (stateful || !hedgeable(tierId, config))
    return await escalateIfNeeded(step, await step.sandbox.execute(request, step.context))
  if (heavy.has(request.code, request.language, config.trust)) {
    const to = containerTierFor(config.trust)
    // A container that cannot be made: the run goes the usual way, in process first.
    const direct = await onContainer(step, to, 'heavy-before')
    if (direct) return direct
  }
  const result =
    config.hedgeAfterMs < request.timeoutMs && (await folderEmpty(step.folder))
      ? await hedgedRun(step)
      : await escalateIfNeeded(step, await step.sandbox.execute(request, step.context))
  if (result.escalations.some((e) => e.reason === 'cpu-budget'))
    heavy.add(request.code, request.language, config.trust)
  return result
}
