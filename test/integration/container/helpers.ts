/**
 * Request and config builders of the container integration tests. Tiers, the engine client and the leak checks
 * live in test/fixtures/sandtier.ts (re-exported here for the files that import them from this one).
 */
import { execFileSync } from 'node:child_process'
import { expect } from 'vitest'
import { resolveConfig, type ResolvedConfig, type SandboxConfig } from '../../../src/config.js'
import type { ContainerTier } from '../../../src/tiers/container/container-tier.js'
import { sessionContainers } from '../../../src/tiers/container/orphans.js'
import type { NormalizedRequest } from '../../../src/tiers/tier.js'
import type { Language } from '../../../src/types.js'
import { docker } from '../../fixtures/sandtier.js'

export { KINDS, docker, makeTier, type TierKind } from '../../fixtures/sandtier.js'

/** Builds the sandbox image when its recipe changed (a no-op otherwise); the engine must be up. */
export function ensureImage(): void {
  execFileSync('bash', ['scripts/build-image.sh'], { stdio: ['ignore', 'ignore', 'inherit'] })
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
