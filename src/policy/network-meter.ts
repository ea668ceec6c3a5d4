/**
 * Per-run network counters. A tier creates one meter per run, passes it to every guardedFetch of that run, and
 * copies it into the run's Usage at the end (`copyNetworkUsage`).
 */
import type { Usage } from '../types.js'

/** Network counters of one run. */
export interface NetworkMeter {
  /** Requests (redirect hops included) that passed the URL check and went on to DNS and, if allowed, out. */
  requests: number
  /** Requests or hops refused, whatever the reason (a request refused after DNS counts in both). */
  deniedRequests: number
  /** Response body bytes received. */
  netBytesIn: number
  /** Request body bytes sent. */
  netBytesOut: number
  /** Secrets whose placeholder a request carried where it is not replaced (counted per request hop). */
  secretsBlocked: number
}

/** A meter with every counter at zero. */
export function createNetworkMeter(): NetworkMeter {
  return { requests: 0, deniedRequests: 0, netBytesIn: 0, netBytesOut: 0, secretsBlocked: 0 }
}

/** Copies the meter's counters into `usage` (the fields they share). */
export function copyNetworkUsage(meter: NetworkMeter, usage: Usage): void {
  usage.requests = meter.requests
  usage.deniedRequests = meter.deniedRequests
  usage.netBytesIn = meter.netBytesIn
  usage.netBytesOut = meter.netBytesOut
  usage.secretsBlocked = meter.secretsBlocked
}
