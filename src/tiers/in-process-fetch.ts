/**
 * The host side of `fetch` for in-process guests (QuickJS, AssemblyScript): one NetworkPolicy per sandbox,
 * one NetworkMeter per run, every request through guardedFetch. Guests see sanitized errors only.
 */
import type { ResolvedConfig } from '../config.js'
import { guardedFetch, type GuardedFetchInit } from '../policy/guarded-fetch.js'
import { createNetworkMeter, type NetworkMeter } from '../policy/network-meter.js'
import { NetworkPolicy } from '../policy/network-policy.js'
import type { Usage } from '../types.js'

/** What the guest passes: `{ url, method, headers, body, redirect }`, a JSON copy made in the guest. */
export type GuestFetchRequest = { url?: unknown } & GuardedFetchInit

export interface RunFetch {
  fetch: (request: unknown, signal: AbortSignal) => Promise<unknown>
  usage: () => Pick<
    Usage,
    'requests' | 'deniedRequests' | 'netBytesIn' | 'netBytesOut' | 'secretsBlocked'
  >
}

const policies = new WeakMap<ResolvedConfig, NetworkPolicy>()

function policyFor(config: ResolvedConfig): NetworkPolicy {
  let policy = policies.get(config)
  if (!policy) {
    policy = new NetworkPolicy(config.network)
    policies.set(config, policy)
  }
  return policy
}

/** A fetch for one run of a sandbox with this config, and its usage counters. */
export function createRunFetch(config: ResolvedConfig): RunFetch {
  const policy = policyFor(config)
  const meter: NetworkMeter = createNetworkMeter()
  return {
    fetch: async (request, signal) => {
      const { url, ...init } = (request ?? {}) as GuestFetchRequest
      return guardedFetch(policy, meter, String(url), init, { signal })
    },
    usage: () => ({
      requests: meter.requests,
      deniedRequests: meter.deniedRequests,
      netBytesIn: meter.netBytesIn,
      netBytesOut: meter.netBytesOut,
      secretsBlocked: meter.secretsBlocked,
    }),
  }
}
