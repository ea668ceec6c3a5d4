/**
 * The manager's backstop on container tiers: usage known only from cgroup accounting after the run is
 * checked against the limits with the seed's ResourceLimiter, and a run that went over gets the matching
 * status even if the tier reported it ok. In-process tiers enforce their limits exactly and are not checked.
 */
import type { ResolvedConfig } from '../config.js'
import { limitError, type LimitStatus } from '../limits/limit-errors.js'
import { measuredUsage, ResourceLimiter, type LimitedResource } from '../limits/resource-limiter.js'
import type { ExecResult } from '../types.js'

const CONTAINER_TIERS = new Set(['docker', 'gvisor'])

/** The resources the backstop checks, each with the status a run over it gets. */
const CHECKED: Partial<Record<LimitedResource, LimitStatus>> = {
  memory: 'memory',
  cpuTime: 'cpu',
  maxOutputBytes: 'output',
}

export function limiterFor(config: ResolvedConfig): ResourceLimiter {
  return new ResourceLimiter({
    memory: config.memoryLimitBytes,
    cpuTime: config.cpuTimeMs,
    maxOutputBytes: config.maxOutputBytes,
  })
}

export function applyBackstop(result: ExecResult, config: ResolvedConfig): ExecResult {
  if (result.status !== 'ok' || !CONTAINER_TIERS.has(result.tier)) return result
  const overrun = limiterFor(config).over(measuredUsage(result.usage, result.stdout, result.stderr))
  const status = overrun && CHECKED[overrun.resource]
  if (!overrun || !status) return result
  // The same error as a tier that stopped the run itself would give, with what was measured.
  const error = limitError(status, {
    timeoutMs: config.executionTimeMs,
    cpuTimeMs: config.cpuTimeMs,
    memoryLimitBytes: config.memoryLimitBytes,
    maxOutputBytes: config.maxOutputBytes,
  })
  const { resource, used, limit } = overrun
  return { ...result, status, error: { ...error, details: { resource, used, limit } } }
}
