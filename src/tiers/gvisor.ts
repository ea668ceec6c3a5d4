/**
 * The `gvisor` tier: the docker tier's hardened containers on runsc, where the guest talks to gVisor's
 * user-space kernel (the Sentry) instead of the host kernel. The preflight refuses to run when the engine has
 * no `runsc` runtime: this tier never falls back to runc.
 */
import { ContainerTier, type ContainerTierOptions } from './container/container-tier.js'

export type GVisorTierOptions = ContainerTierOptions

/**
 * @example
 * const tier = new GVisorTier()
 * const sandbox = await tier.createSandbox(resolveConfig({ type: 'gvisor' }))
 */
export class GVisorTier extends ContainerTier {
  constructor(options: GVisorTierOptions = {}) {
    super('gvisor', 'runsc', options)
  }
}
