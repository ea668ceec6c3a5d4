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
import { cpuError, memoryError, outputError, timeoutError } from '../limits/limit-errors.js'
import type { ExecResult, ExecStatus, ResultError } from '../types.js'

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
  return { ...result, status, error: { ...limitError(status, exceeded), details } }
}

// The same error as a tier that stopped the run itself would give (src/limits/limit-errors.ts).
function limitError(
  status: Exclude<ExecStatus, 'ok'>,
  exceeded: { name: string; message: string; limit: number },
): ResultError {
  switch (status) {
    case 'memory':
      return memoryError(exceeded.limit)
    case 'cpu':
      return cpuError(exceeded.limit)
    case 'output':
      return outputError(exceeded.limit)
    case 'timeout':
      return timeoutError(exceeded.limit)
    default:
      return { name: exceeded.name, message: exceeded.message, code: 'ERR_RESOURCE_EXCEEDED' }
  }
}
