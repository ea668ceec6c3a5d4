/**
 * Picks the tier for a run: the lightest tier that can run the language, per trust level. Pure, so it is
 * tested as a table.
 */
import type { ResolvedConfig } from '../config.js'
import { ConfigError } from '../errors.js'
import { pythonWasmBuilt } from '../tiers/python/artifacts.js'
import { TIER_LANGUAGES } from '../tiers/tier.js'
import type { Language, SandboxType, TierId } from '../types.js'

export interface RouteInput {
  type: SandboxType
  language: Language
  trust: 'untrusted' | 'trusted'
  /** CPython for WASI is built here (pythonWasmBuilt): auto-mode Python runs on pywasm first. */
  pythonWasm?: boolean
}

/** The container tier for a trust level: untrusted code gets gVisor's user-space kernel. */
export function containerTierFor(trust: 'untrusted' | 'trusted'): TierId {
  return trust === 'trusted' ? 'docker' : 'gvisor'
}

/** The tier to run on, or undefined when the explicitly chosen tier cannot run the language. */
export function chooseTier({ type, language, trust, pythonWasm }: RouteInput): TierId | undefined {
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
      // In process first; code that needs what WASI lacks escalates to the container (escalation.ts).
      return pythonWasm === true ? 'pywasm' : containerTierFor(trust)
    case 'shell':
      return containerTierFor(trust)
  }
}

/** The tier a sandbox with `config` runs `language` on. @throws ConfigError when the chosen tier cannot. */
export function routeConfig(config: ResolvedConfig, language: Language): TierId {
  const pythonWasm = config.type === 'auto' && language === 'python' && pythonWasmBuilt()
  const tierId = chooseTier({ type: config.type, language, trust: config.trust, pythonWasm })
  if (!tierId)
    throw new ConfigError('language', `a language that tier "${config.type}" runs`, language)
  return tierId
}
