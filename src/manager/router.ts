/**
 * Picks the tier for a run: the lightest tier that can run the language, per trust level. Pure, so it is
 * tested as a table.
 */
import type { ResolvedConfig } from '../config.js'
import { ConfigError } from '../errors.js'
import { TIER_LANGUAGES } from '../tiers/tier.js'
import type { Language, SandboxType, TierId } from '../types.js'

export interface RouteInput {
  type: SandboxType
  language: Language
  trust: 'untrusted' | 'trusted'
}

/** The container tier for a trust level: untrusted code gets gVisor's user-space kernel. */
export function containerTierFor(trust: 'untrusted' | 'trusted'): TierId {
  return trust === 'trusted' ? 'docker' : 'gvisor'
}

/** The tier to run on, or undefined when the explicitly chosen tier cannot run the language. */
export function chooseTier({ type, language, trust }: RouteInput): TierId | undefined {
  if (type !== 'auto')
    return (TIER_LANGUAGES[type] as readonly Language[]).includes(language) ? type : undefined
  switch (language) {
    case 'javascript':
    case 'typescript':
      return 'quickjs'
    case 'assemblyscript':
    case 'wasm':
      return 'wasm'
    case 'python':
    case 'shell':
      return containerTierFor(trust)
  }
}

/** The tier a sandbox with `config` runs `language` on. @throws ConfigError when the chosen tier cannot. */
export function routeConfig(config: ResolvedConfig, language: Language): TierId {
  const tierId = chooseTier({ type: config.type, language, trust: config.trust })
  if (!tierId)
    throw new ConfigError('language', `a language that tier "${config.type}" runs`, language)
  return tierId
}
