/**
 * sandtier: run code written by AI agents in the lightest isolation tier that can run it.
 *
 * The public surface, kept small: run(), the SandboxManager and its Sandbox handle, the network policy,
 * the resource limiter, the iptables generator, the errors, and the result and config types. The tier
 * contract and the concrete tiers, for plugging in a tier, are in `sandtier/tiers`.
 */
export { run, closeSharedManager, type RunOptions } from './run.js'
export {
  SandboxManager,
  type SandboxManagerOptions,
  type ManagerEvents,
  type ManagerStats,
  type ReadFileOptions,
} from './manager/sandbox-manager.js'
export type { FileEntry } from './tiers/tier-files.js'
export { Sandbox } from './manager/sandbox-handle.js'
export {
  ResourceLimiter,
  type LimitedResource,
  type MeasuredUsage,
} from './limits/resource-limiter.js'
export {
  NetworkPolicy,
  type NetworkPolicyOptions,
  type PolicyRequest,
} from './policy/network-policy.js'
export type { Decision, DenyReason } from './policy/decision.js'
export { createIptablesRules } from './policy/iptables-rules.js'
export type {
  SandboxConfig,
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
  EscalationHedge,
  Language,
  OutputChunk,
  OutputFile,
  ResultError,
  SandboxType,
  SessionOutcome,
  TierId,
  Usage,
} from './types.js'
