/**
 * The seed's ResourceLimiter: limits per resource, and `enforce(usage)` that throws ResourceExceededError for
 * the first resource over its limit. The manager uses it as a backstop after container runs, where some usage
 * is only known from cgroup accounting once the run is over.
 */
import { checkNumber, type ResourceLimit } from '../config.js'
import { ConfigError, ResourceExceededError } from '../errors.js'
import type { Usage } from '../types.js'
import type { LimitStatus } from './limit-errors.js'

/**
 * The resources of the seed's ResourceLimit, plus the output cap. maxOutputFileBytes is not one: a result
 * past it lists its files without their bytes, the run's status is unchanged.
 */
export type LimitedResource = Exclude<keyof ResourceLimit, 'maxOutputFileBytes'>

/** What a run used, in the units of the limits (bytes, ms, bytes/s). */
export type MeasuredUsage = Partial<Record<LimitedResource, number>>

/** A resource over its limit: what it used and what it was allowed. */
export interface Overrun {
  resource: LimitedResource
  used: number
  limit: number
}

/** The status a run gets when a resource goes over its limit. */
export const RESOURCE_STATUS: Record<LimitedResource, LimitStatus | 'error'> = {
  memory: 'memory',
  cpuTime: 'cpu',
  executionTime: 'timeout',
  diskSpace: 'error',
  networkBandwidth: 'error',
  maxOutputBytes: 'output',
}

const RESOURCES = Object.keys(RESOURCE_STATUS) as LimitedResource[]

export class ResourceLimiter {
  readonly #limits = new Map<LimitedResource, number>()

  constructor(limits: ResourceLimit = {}) {
    for (const resource of RESOURCES) {
      const value = limits[resource]
      if (value !== undefined) this.setLimit(resource, value)
    }
  }

  /**
   * Sets a limit (bytes, ms or bytes/s). There is no "unlimited" value: leave a resource unset instead.
   * @throws ConfigError for an unknown resource or a value that is not a positive finite number.
   */
  setLimit(resource: LimitedResource, value: number): this {
    if (!RESOURCES.includes(resource))
      throw new ConfigError('resource', `one of ${RESOURCES.join(', ')}`, resource)
    checkNumber(`limits.${resource}`, value, { min: 0, max: Number.MAX_SAFE_INTEGER })
    this.#limits.set(resource, value)
    return this
  }

  getLimit(resource: LimitedResource): number | undefined {
    return this.#limits.get(resource)
  }

  /** The first resource over its limit; undefined when all are within. */
  over(usage: MeasuredUsage): Overrun | undefined {
    for (const [resource, limit] of this.#limits) {
      const used = usage[resource]
      if (used !== undefined && used > limit) return { resource, used, limit }
    }
    return undefined
  }

  /** The first resource over its limit, as an error; undefined when all are within. */
  check(usage: MeasuredUsage): ResourceExceededError | undefined {
    const overrun = this.over(usage)
    return overrun && new ResourceExceededError(overrun.resource, overrun.used, overrun.limit)
  }

  /** @throws ResourceExceededError(resource, used, limit) for the first resource over its limit. */
  enforce(usage: MeasuredUsage): void {
    const exceeded = this.check(usage)
    if (exceeded) throw exceeded
  }
}

/** A run's usage receipt in the limiter's terms. */
export function measuredUsage(usage: Usage, stdout: string, stderr: string): MeasuredUsage {
  const seconds = usage.wallMs / 1000
  return {
    memory: usage.memoryPeakBytes,
    cpuTime: usage.cpuMs,
    executionTime: usage.wallMs,
    maxOutputBytes: Buffer.byteLength(stdout) + Buffer.byteLength(stderr),
    networkBandwidth: seconds > 0 ? (usage.netBytesIn + usage.netBytesOut) / seconds : 0,
  }
}
