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
  /** Counters for `manager.stats()`: workers, containers, pool sizes. */
  stats?(): Record<string, number>
  /** Closes every sandbox and pool of the tier. Idempotent. */
  close(): Promise<void>
}
