/**
 * The manager's backstop on container tiers: usage known only from cgroup accounting after the run is
 * checked against the limits with the seed's ResourceLimiter, and a run that went over gets the matching
 * status even if the tier reported it ok. In-process tiers enforce their limits exactly and are not checked.
 */
import type { ResolvedConfig } from '../config.js'
import {
  measuredUsage,
  RESOURCE_STATUS,
  ResourceLimiter,
  type LimitedResource,
} from '../limits/resource-limiter.js'
import { limitError, resourceError } from '../limits/limit-errors.js'
import type { ExecResult } from '../types.js'

const CONTAINER_TIERS = new Set(['docker', 'gvisor'])

export function limiterFor(config: ResolvedConfig): ResourceLimiter {
  return new ResourceLimiter({
    memory: config.memoryLimitBytes,
    cpuTime: config.cpuTimeMs,
    maxOutputBytes: config.maxOutputBytes,
  })
}

export function applyBackstop(result: ExecResult, config: ResolvedConfig): ExecResult {
  if (result.status !== 'ok' || !CONTAINER_TIERS.has(result.tier)) return result
  const exceeded = limiterFor(config).check(
    measuredUsage(result.usage, result.stdout, result.stderr),
  )
  if (!exceeded) return result
  const status = RESOURCE_STATUS[exceeded.resource as LimitedResource]
  const details = { resource: exceeded.resource, used: exceeded.used, limit: exceeded.limit }
  // The same error as a tier that stopped the run itself would give.
  const error =
    status === 'error'
      ? resourceError(exceeded.message)
      : limitError(status, {
          timeoutMs: config.executionTimeMs,
          cpuTimeMs: config.cpuTimeMs,
          memoryLimitBytes: config.memoryLimitBytes,
          maxOutputBytes: config.maxOutputBytes,
        })
  return { ...result, status, error: { ...error, details } }
}
