/**
 * The manager's snapshot, restore and fork (issue 19), on tiers whose sandboxes keep their state as a
 * TierSnapshot (quickjs). A snapshot takes its turn with the sandbox's runs: taken during a run, it waits
 * for the run (and for the runs and file operations asked for before it). Restoring never revives anything
 * host-side: timers, host calls and fetches pending when the state was taken are gone, host functions are
 * bound from the restoring config, and the state's Math.random gets a fresh seed.
 */
import { randomBytes } from 'node:crypto'
import { resolveConfig, type ResolvedConfig, type SandboxConfig } from '../config.js'
import { ConfigError, SnapshotError } from '../errors.js'
import type { TierSandbox, TierSnapshot } from '../tiers/tier.js'
import { entryBytes } from '../tiers/quickjs/folder-image.js'
import type { LiveSandbox, MadeSandbox } from './live-sandbox.js'
import { decodeSnapshot, encodeSnapshot } from './snapshot-format.js'
import type { TierRegistry } from './tier-registry.js'

/** A sandbox's state after the runs and file operations asked for before it. */
export function takeState(live: LiveSandbox, local: boolean): Promise<TierSnapshot> {
  const sandbox = live.sandbox
  if (!sandbox.snapshot)
    return Promise.reject(
      new SnapshotError('unsupported', `Sandboxes of tier "${live.tierId}" have no snapshots`),
    )
  return live.turns.next(() =>
    (sandbox.snapshot as NonNullable<TierSandbox['snapshot']>)({ local }),
  )
}

/**
 * The config a snapshot is restored under: the manager's defaults, the snapshot's memory limit unless
 * the caller gives one, then the caller's config.
 * @throws ConfigError for another tier than the snapshot's, or secrets (the guest's `env` is the
 *   snapshot's and cannot be defined again once guest code ran).
 */
export function restoreConfig(
  defaults: SandboxConfig,
  config: SandboxConfig,
  state: TierSnapshot,
): ResolvedConfig {
  const merged: SandboxConfig = { ...defaults, ...config }
  if (merged.type !== undefined && merged.type !== 'auto' && merged.type !== state.tier)
    throw new ConfigError('type', `"${state.tier}" (the snapshot's tier) or none`, merged.type)
  if (merged.memoryLimit === undefined && merged.limits?.memory === undefined)
    merged.memoryLimit = state.memoryLimitBytes
  const resolved = resolveConfig({ ...merged, type: state.tier })
  if (resolved.network.secrets.length > 0)
    throw new ConfigError(
      'secrets',
      "none on a restored sandbox (its env is the snapshot's)",
      'secrets',
    )
  return resolved
}

/**
 * A tier sandbox holding `state` under `config` (restore, fork). `probe`: the state is written into the
 * engine before this resolves (bytes from elsewhere).
 * @throws SnapshotError 'memory' (the heap does not fit the memory limit), 'disk' (the files do not fit
 *   diskSpace), 'foreign-version' (another build of the tier), 'unsupported'.
 */
export async function restoreState(
  registry: TierRegistry,
  state: TierSnapshot,
  config: ResolvedConfig,
  probe: boolean,
): Promise<TierSandbox> {
  const heapBytes = state.memory?.memoryBytes ?? 0
  if (heapBytes > config.memoryLimitBytes)
    throw new SnapshotError(
      'memory',
      `The snapshot's heap is ${heapBytes} bytes; memoryLimit ${config.memoryLimitBytes} cannot hold it`,
    )
  const folderBytes = state.folder.reduce((sum, entry) => sum + entryBytes(entry), 0)
  if (folderBytes > config.diskSpaceBytes)
    throw new SnapshotError(
      'disk',
      `The snapshot's files take ${folderBytes} bytes; limits.diskSpace ${config.diskSpaceBytes} cannot hold them`,
    )
  const tier = await registry.get(state.tier)
  if (!tier.restoreSandbox || tier.build === undefined)
    throw new SnapshotError('unsupported', `Tier "${state.tier}" cannot restore snapshots`)
  if (tier.build !== state.build)
    throw new SnapshotError(
      'foreign-version',
      `The snapshot was taken on ${state.build}; this tier runs ${tier.build}`,
    )
  tier.validate(config)
  return tier.restoreSandbox(config, state, { probe })
}

/** The fewest bytes a snapshot key may have (HMAC-SHA256 wants at least its output size). */
export const MIN_SNAPSHOT_KEY_BYTES = 32

/**
 * The manager's snapshot key: the one given (bytes, or a string's UTF-8) or a random one.
 * @throws ConfigError for a key shorter than MIN_SNAPSHOT_KEY_BYTES or of another type.
 */
export function snapshotKeyOf(key: Uint8Array | string | undefined): Uint8Array {
  if (key === undefined) return randomBytes(MIN_SNAPSHOT_KEY_BYTES)
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < MIN_SNAPSHOT_KEY_BYTES)
    throw new ConfigError(
      'snapshotKey',
      `a Uint8Array or string of at least ${MIN_SNAPSHOT_KEY_BYTES} bytes`,
      key,
    )
  return Uint8Array.from(bytes)
}

/** The manager's side of snapshots: its key, its defaults and its tiers. */
export class ManagerSnapshots {
  readonly #registry: TierRegistry
  readonly #defaults: SandboxConfig
  readonly #key: Uint8Array

  constructor(registry: TierRegistry, defaults: SandboxConfig, key?: Uint8Array | string) {
    this.#registry = registry
    this.#defaults = defaults
    this.#key = snapshotKeyOf(key)
  }

  /** sb.snapshot(): the state, signed with the manager's key. */
  async bytes(live: LiveSandbox): Promise<Uint8Array> {
    return encodeSnapshot(await takeState(live, false), this.#key)
  }

  /** A sandbox from snapshot bytes, checked, decoded and written into the tier's engine. */
  async restore(bytes: Uint8Array, config: SandboxConfig): Promise<MadeSandbox> {
    const state = decodeSnapshot(bytes, this.#key)
    const resolved = restoreConfig(this.#defaults, config, state)
    const sandbox = await restoreState(this.#registry, state, resolved, true)
    return { tierId: state.tier, config: resolved, sandbox }
  }

  /** A copy of a sandbox with its config, from the state it keeps (no encoding, no signature). */
  async fork(parent: LiveSandbox): Promise<MadeSandbox> {
    const state = await takeState(parent, true)
    const sandbox = await restoreState(this.#registry, state, parent.config, false)
    return { tierId: parent.tierId, config: parent.config, sandbox }
  }
}
