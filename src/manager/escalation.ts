/**
 * When an in-process run must move to a container, and when it must not. Pure: tested as a table.
 *
 * A QuickJS run escalates when it needs a Node capability (fs, child_process, process, …) or uses up the
 * in-process CPU budget (QuickJS interprets at ~17× node's time; a container's node JITs). It is re-run only
 * if the first attempt had no side effects the re-run would repeat: no host function call, no network
 * request.
 */
import type { ResolvedConfig } from '../config.js'
import type { ExecResult, TierId } from '../types.js'
import { containerTierFor } from './router.js'

export type EscalationDecision =
  | { kind: 'none' }
  | { kind: 'escalate'; to: TierId; reason: string }
  | { kind: 'refused'; reason: string; why: string }

/** Whether the run may escalate at all: auto mode, escalation on, an in-process tier. */
export function mayEscalate(tier: TierId, config: ResolvedConfig): boolean {
  return config.type === 'auto' && config.escalate && tier === 'quickjs'
}

export function decideEscalation(
  tier: TierId,
  config: ResolvedConfig,
  result: ExecResult,
): EscalationDecision {
  if (!mayEscalate(tier, config)) return { kind: 'none' }
  const reason = escalationReason(result)
  if (!reason) return { kind: 'none' }
  const hostFunctions = Object.keys(config.hostFunctions)
  if (hostFunctions.length > 0)
    return {
      kind: 'refused',
      reason,
      why: `not re-run on a container: host functions (${hostFunctions.join(', ')}) are only available in process`,
    }
  const { hostCalls, requests, deniedRequests } = result.usage
  if (hostCalls > 0 || requests > 0 || deniedRequests > 0)
    return {
      kind: 'refused',
      reason,
      why: `not re-run on a container: the first attempt already had side effects (${hostCalls} host calls, ${requests + deniedRequests} network requests) that a re-run would repeat`,
    }
  return { kind: 'escalate', to: containerTierFor(config.trust), reason }
}

function escalationReason(result: ExecResult): string | undefined {
  const details = result.error?.details as { capability?: unknown; budgetMs?: unknown } | undefined
  if (result.error?.code === 'ERR_CAPABILITY_REQUIRED' && typeof details?.capability === 'string')
    return `capability:${details.capability}`
  if (result.status === 'cpu' && typeof details?.budgetMs === 'number') return 'cpu-budget'
  return undefined
}

/** The CPU budget to give an in-process run, when it is tighter than the caller's own CPU limit. */
export function inProcessBudget(tier: TierId, config: ResolvedConfig): number | undefined {
  if (!mayEscalate(tier, config)) return undefined
  return config.inProcessCpuBudgetMs < config.cpuTimeMs ? config.inProcessCpuBudgetMs : undefined
}
