/**
 * `sandtier/tiers`: the way to plug in a tier. A tier implements the Tier contract (tier.ts) and is given
 * to `new SandboxManager({ tierInstances: { docker: myTier } })`; the manager validates configs and
 * requests (resolveConfig, resolveRequest) before a tier sees them, and passes what only it knows about a
 * run (RunContext) beside the request. The built-in tiers are here to be configured or wrapped.
 */
export type {
  NormalizedRequest,
  RunContext,
  Tier,
  TierAvailability,
  TierSandbox,
} from './tier.js'
export { TIER_LANGUAGES } from './tier.js'
export type { FileEntry, TierFiles } from './tier-files.js'
export { resolveConfig, resolveRequest, type ResolvedConfig } from '../config.js'
export { ENFORCEMENT, type EnforcedLimit, type Enforcement } from '../limits/enforcement.js'
export { QuickJsTier, type QuickJsTierOptions } from './quickjs/quickjs-tier.js'
export { WasmTier, type WasmTierOptions } from './wasm/wasm-tier.js'
export { PythonTier, type PythonTierOptions } from './python/python-tier.js'
export { DockerTier, type DockerTierOptions } from './docker.js'
export { GVisorTier, type GVisorTierOptions } from './gvisor.js'
