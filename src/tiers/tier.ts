/**
 * The contract every tier implements. The manager talks to tiers only through it; tiers never import the
 * manager. A tier owns its sandboxes; a sandbox owns its worker slot or container.
 */
import type { NormalizedRequest, ResolvedConfig } from '../config.js'
import type { ExecResult, Language, TierId } from '../types.js'
import type { TierFiles } from './tier-files.js'

/** A request after validation (config.ts resolveRequest): the tier can trust every field. */
export type { NormalizedRequest } from '../config.js'

/**
 * What the manager knows about a run beyond the caller's request, passed beside it as an argument: the tier
 * enforces it and never reports it back (the manager keeps what it asked for).
 */
export interface RunContext {
  /**
   * The caller's wall-clock end as a `performance.now()` time, when the run started before this tier saw it
   * (an escalated run continues the first attempt's clock): the tier ends the run by then, whatever is left
   * of `timeoutMs` (RunDeadline's `notAfterMs`). Errors still name `timeoutMs`, the caller's limit.
   */
  notAfterMs?: number
  /**
   * In-process tiers: a CPU limit for this run tighter than the sandbox's cpuTime (the manager moves a run
   * stopped by it to a container). The tier stops the run with status 'cpu' as for its own limit.
   */
  cpuBudgetMs?: number
  /**
   * No run follows on this sandbox (run()): the tier may free the sandbox's guest as soon as this run
   * ends, with its reply, instead of waiting for close(). close() is still called.
   */
  lastRun?: boolean
  /**
   * In-process tiers: called once, synchronously, at the run's first host call or fetch, before the call is
   * answered. The manager's live signal that something outside the sandbox may now have seen the run (a
   * hedged run is never duplicated past it: hedged-run.ts); `usage.hostCalls` only comes with the result.
   */
  onSideEffect?: () => void
  /**
   * In-process tiers: called when the run is handed to the engine that runs it (after a worker was found
   * or booted): a hedge's probe counts from here, so a worker's boot is not taken for the code's weight.
   */
  onRunning?: () => void
  /**
   * In-process tiers: called once the run can be stopped, with the function that stops it as the request's
   * signal would (status 'cancelled'; a no-op once the run ended). The manager's own stop for one attempt
   * (a hedge's loser), without an AbortSignal and its listener for every run.
   */
  onCancelable?: (cancel: () => void) => void
}

export interface TierAvailability {
  available: boolean
  /** Versions of what the tier runs on (engine, runtime, library). */
  versions: Record<string, string>
  /** Why not, and how to fix it, when unavailable. */
  reason?: string
}

/** One sandbox of a tier. `execute` resolves with an ExecResult for every guest outcome. */
export interface TierSandbox {
  readonly tier: TierId
  /** Languages this sandbox can run. */
  readonly languages: readonly Language[]
  execute(request: NormalizedRequest, context?: RunContext): Promise<ExecResult>
  /**
   * The sandbox's folder (tier-files.ts), when the tier has one: the manager's writeFile/readFile/listFiles/
   * removeFile, a request's `files` and a result's `files` go through it. The manager never calls it while a
   * run of the sandbox is in progress.
   */
  readonly files?: TierFiles
  /**
   * The sandbox's state (memory and folder) for a snapshot or a fork, when the tier can keep one: after the
   * runs and file operations before it. Host-side things (timers, host calls, fetches) are not part of it.
   * `local`: the state stays in this process (a fork), so a copy the tier keeps may do.
   * @throws SnapshotError ('unsupported', 'state-lost'); SandboxClosedError once closed.
   */
  snapshot?(options?: { local?: boolean }): Promise<TierSnapshot>
  /** Frees everything: worker slot, module, container. Idempotent. */
  close(): Promise<void>
}

/**
 * The languages each tier runs: the tiers' own declaration (each tier and sandbox exposes its row as
 * `languages`), read by the router before a tier is loaded.
 */
export const TIER_LANGUAGES = {
  quickjs: ['javascript', 'typescript'],
  wasm: ['assemblyscript', 'wasm'],
  pywasm: ['python'],
  docker: ['javascript', 'typescript', 'python', 'shell'],
  gvisor: ['javascript', 'typescript', 'python', 'shell'],
} as const satisfies Record<TierId, readonly Language[]>

export interface Tier {
  readonly id: TierId
  readonly languages: readonly Language[]
  /** The engine build a snapshot of this tier's sandboxes fits (TierSnapshot.build), when it has them. */
  readonly build?: string
  /**
   * Refuses a config this tier cannot enforce (e.g. a memory limit past what it can bound).
   * @throws ConfigError naming the option.
   */
  validate(config: ResolvedConfig): void
  availability(): Promise<TierAvailability>
  /**
   * A sandbox for a config that `validate` accepted: the caller (the manager, once per config and tier,
   * escalations included) validates first, and the tier does not check again.
   * @throws TierUnavailableError when the tier cannot run here; SandboxClosedError after close().
   */
  createSandbox(config: ResolvedConfig, signal?: AbortSignal): Promise<TierSandbox>
  /**
   * A sandbox for a config that `validate` accepted, holding a state `snapshot` made (restore, fork). The
   * caller checked the snapshot's tier, build and sizes against the config. `probe`: the state is written
   * into the tier's engine before this resolves (else at the first run or file operation).
   * @throws SnapshotError when the state cannot be rebuilt here.
   */
  restoreSandbox?(
    config: ResolvedConfig,
    state: TierSnapshot,
    options?: { probe?: boolean },
  ): Promise<TierSandbox>
  /** Counters for `manager.stats()`: workers, containers, pool sizes. */
  stats?(): Record<string, number>
  /** Closes every sandbox and pool of the tier. Idempotent. */
  close(): Promise<void>
}

/**
 * A linear memory as the pages that differ from the engine's ready state (quickjs: sandbox-image.ts): only
 * what the sandbox changed, not its whole memory.
 */
export interface MemoryImage {
  /** The memory's byteLength when the image was taken: the least memory it can be restored into. */
  memoryBytes: number
  /** The allocator's break when the image was taken. */
  brk: number
  /** End of the ready state's heap: above it, pages not kept were all zero. */
  baseHeapEnd: number
  /** Start address of each page kept, ascending. */
  pages: Uint32Array
  /** The kept pages' bytes, one after the other. */
  bytes: Uint8Array
}

/** One entry of a sandbox's folder in a snapshot: a path relative to the folder, never '.'. */
export interface FolderImageEntry {
  path: string
  kind: 'file' | 'directory'
  modifiedMs: number
  /** A file's bytes; empty for a directory. */
  data: Uint8Array
}

/** What a tier keeps of a sandbox for snapshot, restore and fork (the manager signs and encodes it). */
export interface TierSnapshot {
  tier: TierId
  /** The engine build the state can only be rebuilt on (quickjs: its library version and wasm hash). */
  build: string
  /** The ready state the memory image was taken against; checked again when it is rebuilt. */
  baselineId: string
  /** The memory limit the sandbox had: a restore needs at least `memory.memoryBytes`. */
  memoryLimitBytes: number
  /** The memory's changes, or undefined for a sandbox no run changed (it starts fresh). */
  memory: MemoryImage | undefined
  /** The sandbox's folder, parents before children. */
  folder: FolderImageEntry[]
}
