/** manager.stats(): live sandboxes per tier, each loaded tier's counters, the admission queue and totals. */
import type { TierId } from '../types.js'
import type { Admission } from './admission.js'
import type { LiveSandbox } from './live-sandbox.js'
import type { ManagerStats } from './manager-options.js'

export function managerStats(
  live: Iterable<LiveSandbox>,
  tiers: ManagerStats['tiers'],
  admission: Admission,
  totals: ManagerStats['totals'],
): ManagerStats {
  const sandboxes: Partial<Record<TierId, number>> = {}
  for (const { tierId } of live) sandboxes[tierId] = (sandboxes[tierId] ?? 0) + 1
  return {
    sandboxes,
    tiers,
    running: admission.running,
    queued: admission.queued,
    totals: { ...totals },
  }
}
