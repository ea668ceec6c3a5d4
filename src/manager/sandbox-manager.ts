/**
 * SandboxManager: the registry of live sandboxes, their lifetimes, admission control, escalation to a
 * heavier tier, and the entry point of every run. Flow: caller → manager → router → tier → back.
 */
import { EventEmitter } from 'node:events'
import { resolveConfig, resolveRequest, type SandboxConfig } from '../config.js'
import { SandboxClosedError, SandboxExpiredError, SandboxNotFoundError } from '../errors.js'
import type { FileEntry } from '../tiers/tier-files.js'
import type { NormalizedRequest, RunContext, TierAvailability } from '../tiers/tier.js'
import type { ExecRequest, ExecResult, TierId } from '../types.js'
import { ClosingPart } from '../lifecycle/closing.js'
import { Admission } from './admission.js'
import { HeavyCodes } from './heavy-codes.js'
import { ProbeWheel } from './probe-wheel.js'
import {
  checkLanguage,
  newLiveSandbox,
  type LiveSandbox,
  type MadeSandbox,
} from './live-sandbox.js'
import { inProcessBudget } from './escalation.js'
import { routeConfig } from './router.js'
import { TierRegistry } from './tier-registry.js'
import type { ManagerEvents, ManagerStats, SandboxManagerOptions } from './manager-options.js'
import type { OutputListener } from './output-sink.js'
import { runAdmitted, type AdmittedDeps } from './admitted-run.js'
import { Sandbox } from './sandbox-handle.js'
import * as files from './sandbox-files.js'
import { ManagerSnapshots } from './snapshots.js'
import { ExpiredIds } from './expired-ids.js'
import { managerStats } from './manager-stats.js'
import { SandboxClosings } from './sandbox-closings.js'

export type { ManagerEvents, ManagerStats, SandboxManagerOptions } from './manager-options.js'
export type { ReadFileOptions } from './sandbox-files.js'

export class SandboxManager extends EventEmitter<ManagerEvents> {
  readonly #defaults: SandboxConfig
  readonly #registry: TierRegistry
  readonly #admission: Admission
  readonly #live = new Map<string, LiveSandbox>()
  /** Ids destroyed because their lifetime ran out, so execute() can say "expired" rather than "not found". */
  readonly #expired = new ExpiredIds()
  readonly #totals = { created: 0, executed: 0, escalated: 0, destroyed: 0 }
  readonly #snapshots: ManagerSnapshots
  readonly #heavy = new HeavyCodes()
  readonly #probes = new ProbeWheel()
  /** What every admitted run borrows from the manager: made once, not per execute (admitted-run.ts). */
  readonly #admittedDeps: AdmittedDeps = {
    containerFor: (live, to) => this.#registry.containerFor(live, to),
    heavy: this.#heavy,
    probes: this.#probes,
    totals: this.#totals,
  }
  /** Closes destroyed sandboxes; holds the container removals runOnce does not wait for. */
  readonly #closings = new SandboxClosings()
  #closing: Promise<void> | undefined

  constructor(options: SandboxManagerOptions = {}) {
    super()
    this.#defaults = options.defaults ?? {}
    this.#registry = new TierRegistry(options.tiers, options.tierInstances)
    this.#admission = new Admission(options.maxConcurrent ?? 64, options.maxQueued ?? 10_000)
    this.#snapshots = new ManagerSnapshots(this.#registry, this.#defaults, options.snapshotKey)
  }

  /**
   * Creates a sandbox and returns its id.
   * @throws ConfigError for an invalid config; TierUnavailableError when the tier cannot run here.
   */
  async createSandbox(config: SandboxConfig = {}): Promise<string> {
    return (await this.#create(config)).id
  }

  async #create(config: SandboxConfig): Promise<LiveSandbox> {
    if (this.#closing) throw new SandboxClosedError('sandbox manager')
    const resolved = resolveConfig({ ...this.#defaults, ...config })
    const tierId = routeConfig(resolved, resolved.language ?? 'javascript')
    const tier = await this.#registry.get(tierId)
    tier.validate(resolved)
    // A new sandbox's folder is empty: its first run need not list out/ before it starts.
    const live = this.#register(
      { tierId, config: resolved, sandbox: await tier.createSandbox(resolved) },
      [],
    )
    // Its guest holds nothing yet (a restored or forked one does): its first run may be hedged.
    live.stateful = false
    return live
  }

  #register(made: MadeSandbox, outListing?: LiveSandbox['outListing']): LiveSandbox {
    // The manager closed while the sandbox was made: it is not kept.
    if (this.#closing) void made.sandbox.close()
    if (this.#closing) throw new SandboxClosedError('sandbox manager')
    const live = newLiveSandbox(made, outListing)
    const { id, tierId, config } = live
    const lifetimeMs = config.lifetimeMs
    if (lifetimeMs !== undefined)
      live.lifetimeTimer = setTimeout(
        () => void this.#destroy(id, 'expired', lifetimeMs),
        lifetimeMs,
      )
    live.lifetimeTimer?.unref()
    this.#live.set(id, live)
    this.#totals.created++
    this.emit('create', { id, tier: tierId })
    return live
  }

  /**
   * Creates a sandbox and returns it as an object (`await using sb = await manager.create()` destroys it
   * at the end of the block). The id-based methods work on it too (`sb.id`).
   * @throws as createSandbox.
   */
  async create(config: SandboxConfig = {}): Promise<Sandbox> {
    return this.#handle(await this.#create(config))
  }

  /** The sandbox's state as signed bytes, after the runs before it (snapshots.ts). @throws SnapshotError */
  snapshot(id: string): Promise<Uint8Array> {
    return this.#snapshots.bytes(this.#lookup(id))
  }

  /** A new sandbox from snapshot bytes (its memory limit unless `config` gives one). @throws SnapshotError */
  async restore(bytes: Uint8Array, config: SandboxConfig = {}): Promise<Sandbox> {
    if (this.#closing) throw new SandboxClosedError('sandbox manager')
    return this.#handle(this.#register(await this.#snapshots.restore(bytes, config)))
  }

  /** An independent copy of a sandbox, after the runs before it. @throws as snapshot */
  async fork(id: string): Promise<Sandbox> {
    return this.#handle(this.#register(await this.#snapshots.fork(this.#lookup(id))))
  }

  #handle(live: LiveSandbox): Sandbox {
    return new Sandbox(live.id, live.tierId, this)
  }

  /**
   * Runs code in a sandbox. Resolves with an ExecResult for every outcome of the guest's code.
   * Runs on one sandbox are serialized.
   * @throws SandboxNotFoundError, SandboxExpiredError, ConfigError (invalid request), CapacityError.
   */
  execute(id: string, request: string | ExecRequest): Promise<ExecResult> {
    return this.#execute(id, request, false)
  }

  /**
   * createSandbox + execute + destroy, what run() does. The tier is told that no run follows, so it can
   * free the sandbox with the run's reply (for quickjs: one message to the worker instead of two).
   * @throws as createSandbox and execute.
   */
  async runOnce(config: SandboxConfig, request: string | ExecRequest): Promise<ExecResult> {
    const id = await this.createSandbox(config)
    try {
      return await this.#execute(id, request, true)
    } finally {
      await this.#destroy(id, 'destroy', undefined, true)
    }
  }

  async #execute(id: string, request: string | ExecRequest, lastRun: boolean): Promise<ExecResult> {
    const live = this.#lookup(id)
    const normalized = resolveRequest(request, live.config)
    checkLanguage(live, normalized.language)
    const context: RunContext = { lastRun }
    const cpuBudgetMs = inProcessBudget(live.tierId, live.config)
    if (cpuBudgetMs !== undefined) context.cpuBudgetMs = cpuBudgetMs
    // Runs of one sandbox are serialized here, before admission: a sandbox holds at most one place in the
    // admission queue, so one that submits hundreds of runs is served in turn with its neighbours
    // (round robin), never ahead of them.
    const caller = typeof request === 'object' ? request.onOutput : undefined
    const admit = this.#admission.hold()
    return live.turns.next(() => this.#admitted(live, normalized, context, admit, caller))
  }

  #admitted(
    live: LiveSandbox,
    normalized: NormalizedRequest,
    context: RunContext,
    admit: Admission['run'],
    caller: OutputListener | undefined,
  ): Promise<ExecResult> {
    return admit(() =>
      runAdmitted(this, live, normalized, context, caller, this.#admittedDeps),
    )
  }

  /** Destroys a sandbox: a run in progress ends 'cancelled'. Unknown ids are ignored (idempotent). */
  async destroy(id: string): Promise<void> {
    await this.#destroy(id, 'destroy')
  }

  /** `detachContainers` (one-shot runs): a container's removal goes on after this returns (sandbox-closings.ts). */
  async #destroy(
    id: string,
    reason: 'destroy' | 'expired' | 'close',
    lifetimeMs?: number,
    detachContainers = false,
  ): Promise<void> {
    const live = this.#live.get(id)
    if (!live) return
    this.#live.delete(id)
    clearTimeout(live.lifetimeTimer)
    if (reason === 'expired' && lifetimeMs !== undefined) this.#expired.add(id, lifetimeMs)
    await this.#closings.close(live, detachContainers, () => {
      this.#totals.destroyed++
      try {
        this.emit('destroy', { id, reason })
      } catch (error) {
        // A listener's throw must not become an unhandled rejection of a background removal.
        process.emitWarning(`a 'destroy' listener threw: ${String(error)}`, 'SandtierWarning')
      }
    })
  }

  async destroyAll(): Promise<void> {
    await Promise.allSettled([...this.#live.keys()].map((id) => this.#destroy(id, 'destroy')))
  }

  /**
   * Writes a file into the sandbox's folder (a path relative to it or under /work/; text as UTF-8). Each file
   * operation waits for the sandbox's run in progress, and its next run waits for it (sandbox-files.ts).
   * @throws ConfigError naming a path out of the folder; FileError; ValidationError for a tier without files.
   */
  async writeFile(id: string, path: string, data: string | Uint8Array): Promise<void> {
    await files.writeSandboxFile(this.#lookup(id), path, data)
  }

  /** Reads a regular file of at most `maxBytes` (@default diskSpace). @throws as writeFile. */
  async readFile(id: string, path: string, options?: files.ReadFileOptions): Promise<Uint8Array> {
    return await files.readSandboxFile(this.#lookup(id), path, options)
  }

  /** Lists a folder of the sandbox and everything below it (files and folders; links left out). */
  async listFiles(id: string, path = '.'): Promise<FileEntry[]> {
    return await files.listSandboxFiles(this.#lookup(id), path)
  }

  /** Removes a file, or a folder with everything in it; what is not there is not an error. */
  async removeFile(id: string, path: string): Promise<void> {
    await files.removeSandboxFile(this.#lookup(id), path)
  }

  /** Whether each tier can run here, with versions, or why not (what `sandtier doctor` prints). */
  availability(): Promise<Record<TierId, TierAvailability>> {
    return this.#registry.availability()
  }

  /** Live sandboxes per tier, each loaded tier's counters, the admission queue and totals. */
  async stats(): Promise<ManagerStats> {
    const tiers = await this.#registry.stats()
    return managerStats(this.#live.values(), tiers, this.#admission, this.#totals)
  }

  /** Ids of live sandboxes. */
  list(): string[] {
    return [...this.#live.keys()]
  }

  /** Destroys every sandbox and shuts every tier down (workers, pools, containers). Idempotent. */
  close(): Promise<void> {
    // The closing habit held as a part (lifecycle/closing.ts): the manager already extends EventEmitter.
    this.#closing ??= new ClosingPart('sandbox manager', async () => {
      await Promise.allSettled([...this.#live.keys()].map((id) => this.#destroy(id, 'close')))
      await this.#closings.settle()
      await this.#registry.close()
    }).close()
    return this.#closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  #lookup(id: string): LiveSandbox {
    const live = this.#live.get(id)
    if (live) return live
    const lifetimeMs = this.#expired.lifetimeOf(id)
    if (lifetimeMs !== undefined) throw new SandboxExpiredError(id, lifetimeMs)
    throw new SandboxNotFoundError(id)
  }
}
