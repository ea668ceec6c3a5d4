/**
 * The state one run of a container sandbox gives its egress proxy: the policy, the run's counters and
 * bandwidth bucket, and a signal that ends every connection of the run when the run ends.
 */
import { BandwidthThrottle } from './bandwidth-throttle.js'
import { createNetworkMeter, type NetworkMeter } from './network-meter.js'
import type { NetworkPolicy } from './network-policy.js'
import type { SandboxCa } from './sandbox-ca.js'
import { openRequestScope, type RequestScope, type RequestScopeOptions } from './request-scope.js'

/** One run as the proxy sees it. */
export interface EgressRun {
  readonly policy: NetworkPolicy
  readonly meter: NetworkMeter
  /** Shared by every connection of the run, both directions. */
  readonly throttle: BandwidthThrottle
  /** Aborted when the run ends. */
  readonly signal: AbortSignal
  readonly deadline: RequestScopeOptions['deadline']
  /** The sandbox's CA, when it has secrets: HTTPS to a host with secrets is terminated (proxy-tls.ts). */
  readonly ca?: SandboxCa | undefined
}

/** A run and the controller that ends it. */
export interface OpenEgressRun {
  run: EgressRun
  end(): void
}

/** Starts a run: fresh counters, a full bandwidth bucket. */
export function openEgressRun(
  policy: NetworkPolicy,
  deadline: RequestScopeOptions['deadline'],
  ca?: SandboxCa,
): OpenEgressRun {
  const controller = new AbortController()
  const run: EgressRun = {
    policy,
    meter: createNetworkMeter(),
    throttle: new BandwidthThrottle(policy.config.bandwidthBytesPerSec),
    signal: controller.signal,
    deadline,
    ca,
  }
  return { run, end: () => controller.abort(new Error('the run ended')) }
}

/** The time and cancellation bounds of one proxied request or tunnel (see openRequestScope). */
export function openProxyScope(run: EgressRun): RequestScope {
  return openRequestScope(run.policy.config.requestTimeoutMs, {
    signal: run.signal,
    deadline: run.deadline,
  })
}
