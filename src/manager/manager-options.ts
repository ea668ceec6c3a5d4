/** The manager's options, events and counters: the types a caller of SandboxManager sees. */
import type { SandboxConfig } from '../config.js'
import type { Tier } from '../tiers/tier.js'
import type { ExecResult, OutputChunk, TierId } from '../types.js'
import type { TierOptions } from './tier-registry.js'

export interface SandboxManagerOptions {
  /** Config every sandbox starts from; createSandbox's config overrides it field by field. */
  defaults?: SandboxConfig
  /** Per-tier options (worker counts, warm pools). */
  tiers?: TierOptions
  /** Ready-made tiers to use instead of the built-in ones. */
  tierInstances?: Partial<Record<TierId, Tier>>
  /** Runs executing at once across the manager. @default 64 */
  maxConcurrent?: number
  /** Runs waiting for a slot; one more rejects with CapacityError. @default 10_000 */
  maxQueued?: number
  /**
   * The key snapshots are signed with (HMAC-SHA256, at least 32 bytes; a string counts as UTF-8). Give
   * managers the same key to restore in one process what another snapshotted. @default a random key
   */
  snapshotKey?: Uint8Array | string
}

export interface ManagerStats {
  /** Live sandboxes per tier. */
  sandboxes: Partial<Record<TierId, number>>
  /** Each loaded tier's counters (workers, containers, pools). */
  tiers: Partial<Record<TierId, Record<string, number>>>
  running: number
  queued: number
  totals: { created: number; executed: number; escalated: number; destroyed: number }
}

/**
 * Events: 'create', 'execute:start', 'output' (a run's output as it streams, every sandbox's: see
 * ExecRequest.onOutput), 'execute:end', 'escalate', 'limit', 'destroy'.
 */
export interface ManagerEvents {
  create: [{ id: string; tier: TierId }]
  'execute:start': [{ id: string; tier: TierId }]
  output: [{ id: string } & OutputChunk]
  'execute:end': [{ id: string; result: ExecResult }]
  escalate: [{ id: string; from: TierId; to: TierId; reason: string }]
  limit: [{ id: string; status: ExecResult['status']; tier: TierId }]
  destroy: [{ id: string; reason: 'destroy' | 'expired' | 'close' }]
}
