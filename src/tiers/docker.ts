/**
 * The `docker` tier: sandboxes in hardened containers on runc (see tiers/container/hardening.ts), for trusted
 * code that needs a real Linux userland. The isolation boundary is the host kernel with namespaces, cgroups,
 * no capabilities and a seccomp allowlist stricter than Docker's default; untrusted code belongs on `gvisor`.
 */
import { ContainerTier, type ContainerTierOptions } from './container/container-tier.js'

export type DockerTierOptions = ContainerTierOptions

/**
 * @example
 * const tier = new DockerTier({ poolSize: 1 })
 * const sandbox = await tier.createSandbox(resolveConfig({ type: 'docker' }))
 */
export class DockerTier extends ContainerTier {
  constructor(options: DockerTierOptions = {}) {
    super('docker', 'runc', options)
  }
}
