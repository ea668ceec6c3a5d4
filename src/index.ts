/** sandtier: run code written by AI agents in the lightest isolation tier that can run it. */
export { run, closeSharedManager, type RunOptions } from './run.js'
export {
  SandboxManager,
  type SandboxManagerOptions,
  type ManagerStats,
} from './manager/sandbox-manager.js'
export { chooseTier, containerTierFor } from './manager/router.js'
export {
  ResourceLimiter,
  type LimitedResource,
  type MeasuredUsage,
} from './limits/resource-limiter.js'
export { ENFORCEMENT, type Enforcement, type EnforcedLimit } from './limits/enforcement.js'
export {
  NetworkPolicy,
  evaluate,
  type NetworkPolicyOptions,
  type PolicyRequest,
} from './policy/network-policy.js'
export type { Decision, DenyReason } from './policy/decision.js'
export { createIptablesRules } from './policy/iptables-rules.js'
export { resolveConfig } from './config.js'
export type {
  SandboxConfig,
  ResolvedConfig,
  ResourceLimit,
  NetworkOptions,
  HostFunction,
  VolumeMount,
} from './config.js'
export * from './errors.js'
export type {
  ExecRequest,
  ExecResult,
  ExecStatus,
  Escalation,
  Language,
  ResultError,
  SandboxType,
  TierId,
  Usage,
} from './types.js'
export type { Tier, TierSandbox, TierAvailability, NormalizedRequest } from './tiers/tier.js'
