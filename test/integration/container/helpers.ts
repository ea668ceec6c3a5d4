/** Shared helpers of the container integration tests: tiers on both runtimes, requests, leak checks. */
import { execFileSync } from 'node:child_process'
import Dockerode from 'dockerode'
import { expect } from 'vitest'
import { resolveConfig, type ResolvedConfig, type SandboxConfig } from '../../../src/config.js'
import type { ContainerTier } from '../../../src/tiers/container/container-tier.js'
import { type ContainerTierOptions } from '../../../src/tiers/container/container-tier.js'
import { sessionContainers } from '../../../src/tiers/container/orphans.js'
import { DockerTier } from '../../../src/tiers/docker.js'
import { GVisorTier } from '../../../src/tiers/gvisor.js'
import type { NormalizedRequest } from '../../../src/tiers/tier.js'
import type { Language } from '../../../src/types.js'

export type TierKind = 'docker' | 'gvisor'
export const KINDS: TierKind[] = ['docker', 'gvisor']

export const docker = new Dockerode({ socketPath: '/var/run/docker.sock' })

/** Builds the sandbox image when its recipe changed (a no-op otherwise); the engine must be up. */
export function ensureImage(): void {
  execFileSync('bash', ['scripts/build-image.sh'], { stdio: ['ignore', 'ignore', 'inherit'] })
}

export function makeTier(kind: TierKind, options: ContainerTierOptions = {}): ContainerTier {
  return kind === 'docker' ? new DockerTier(options) : new GVisorTier(options)
}

export function config(overrides: SandboxConfig = {}): ResolvedConfig {
  return resolveConfig(overrides)
}

export function request(
  code: string,
  language: Language = 'shell',
  extra: Partial<NormalizedRequest> = {},
): NormalizedRequest {
  return {
    code,
    language,
    input: undefined,
    stdin: undefined,
    timeoutMs: 30_000,
    signal: undefined,
    fn: undefined,
    args: undefined,
    wasmBinary: undefined,
    onOutput: undefined,
    ...extra,
  }
}

/** Fails when any container with the tier's session label remains. */
export async function expectNoContainers(tier: ContainerTier): Promise<void> {
  expect(await sessionContainers(docker, tier.sessionId)).toEqual([])
}
