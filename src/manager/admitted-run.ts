/**
 * One run once admitted, the manager's part around the attempts (run-attempts.ts): the request's files and
 * the listing of out/ before it (outside the run's clock), the output sink, the backstop, the out/ files
 * after it, the totals and the events.
 */
import type { EventEmitter } from 'node:events'
import type { NormalizedRequest, RunContext } from '../tiers/tier.js'
import type { ExecResult, TierId } from '../types.js'
import { applyBackstop } from './backstop.js'
import type { LiveSandbox } from './live-sandbox.js'
import type { ManagerEvents, ManagerStats } from './manager-options.js'
import { OutputSink, type OutputListener } from './output-sink.js'
import { runAttempts, type AttemptsStep } from './run-attempts.js'
import * as files from './sandbox-files.js'

const LIMIT_STATUSES = new Set(['timeout', 'memory', 'cpu', 'output'])

/** What the manager lends every run besides its events (one object per manager). */
export interface AdmittedDeps extends Pick<AttemptsStep, 'heavy' | 'probes'> {
  containerFor: (live: LiveSandbox, to: TierId) => ReturnType<AttemptsStep['container']>
  totals: ManagerStats['totals']
}

export async function runAdmitted(
  events: EventEmitter<ManagerEvents>,
  live: LiveSandbox,
  normalized: NormalizedRequest,
  context: RunContext,
  caller: OutputListener | undefined,
  deps: AdmittedDeps,
): Promise<ExecResult> {
  const { id } = live
  // Outside the run's clock (durationMs): the request's files, and the listing of out/ to compare with.
  await files.prepareRunFiles(live, normalized.files)
  events.emit('execute:start', { id, tier: live.tierId })
  const started = performance.now()
  // Output streams only when someone listens as the run starts; otherwise it comes with the result.
  const output = outputSink(events, live, caller)
  const request = output ? { ...normalized, onOutput: output.write } : normalized
  let outFolder = live.sandbox.files
  let result = await runAttempts(live, {
    request,
    context,
    onFolder: (folder) => (outFolder = folder),
    startedMs: started,
    container: (to) => deps.containerFor(live, to),
    output,
    heavy: deps.heavy,
    probes: deps.probes,
    onEscalate: (to, reason) => {
      if (output) output.tier = to
      deps.totals.escalated++
      events.emit('escalate', { id, from: live.tierId, to, reason })
    },
  })
  result = applyBackstop(result, live.config)
  if (outFolder) result = await files.withOutputFiles(live, result, outFolder)
  deps.totals.executed++
  if (LIMIT_STATUSES.has(result.status))
    events.emit('limit', { id, status: result.status, tier: result.tier })
  events.emit('execute:end', { id, result })
  return result
}

function outputSink(
  events: EventEmitter<ManagerEvents>,
  live: LiveSandbox,
  caller: OutputListener | undefined,
): OutputSink | undefined {
  const listeners: OutputListener[] = caller ? [caller] : []
  if (events.listenerCount('output') > 0)
    listeners.push((chunk) => events.emit('output', { id: live.id, ...chunk }))
  return listeners.length > 0 ? new OutputSink(live.tierId, listeners) : undefined
}
