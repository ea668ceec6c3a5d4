/**
 * SandboxManager: the registry of live sandboxes, their lifetimes, and the entry point of every run.
 * Flow: caller → manager → router → tier → back as an ExecResult.
 */
import { randomUUID } from 'node:crypto'
import { resolveConfig, type ResolvedConfig, type SandboxConfig } from '../config.js'
import {
  ConfigError,
  SandboxClosedError,
  SandboxExpiredError,
  SandboxNotFoundError,
} from '../errors.js'
import type { Tier, TierAvailability, TierSandbox } from '../tiers/tier.js'
import type { ExecRequest, ExecResult, Language, TierId } from '../types.js'
import { normalizeRequest } from './normalize-request.js'
import { chooseTier } from './router.js'
import { TierRegistry, type TierOptions } from './tier-registry.js'

export interface SandboxManagerOptions {
  /** Config every sandbox starts from; createSandbox's config overrides it field by field. */
  defaults?: SandboxConfig
  /** Per-tier options (worker counts, pools). */
  tiers?: TierOptions
  /** Ready-made tiers to use instead of the built-in ones. */
  tierInstances?: Partial<Record<TierId, Tier>>
}

export interface ManagerStats {
  /** Live sandboxes per tier. */
  sandboxes: Partial<Record<TierId, number>>
  /** Each loaded tier's counters. */
  tiers: Partial<Record<TierId, Record<string, number>>>
}

interface LiveSandbox {
  id: string
  tierId: TierId
  config: ResolvedConfig
  sandbox: TierSandbox
  createdAt: number
  lifetimeTimer: NodeJS.Timeout | undefined
}

export class SandboxManager {
  readonly #defaults: SandboxConfig
  readonly #registry: TierRegistry
  readonly #live = new Map<string, LiveSandbox>()
  /** Ids destroyed because their lifetime ran out, so execute() can say "expired" rather than "not found". */
  readonly #expired = new Map<string, number>()
  #closing: Promise<void> | undefined

  constructor(options: SandboxManagerOptions = {}) {
    this.#defaults = options.defaults ?? {}
    this.#registry = new TierRegistry(options.tiers, options.tierInstances)
  }

  /**
   * Creates a sandbox and returns its id.
   * @throws ConfigError for an invalid config; TierUnavailableError when the tier cannot run here.
   */
  async createSandbox(config: SandboxConfig = {}): Promise<string> {
    if (this.#closing) throw new SandboxClosedError('sandbox manager')
    const resolved = resolveConfig({ ...this.#defaults, ...config })
    const tierId = this.#route(resolved, resolved.language ?? 'javascript')
    const tier = await this.#registry.get(tierId)
    tier.validate(resolved)
    const sandbox = await tier.createSandbox(resolved)
    const id = randomUUID()
    const live: LiveSandbox = {
      id,
      tierId,
      config: resolved,
      sandbox,
      createdAt: Date.now(),
      lifetimeTimer: undefined,
    }
    if (resolved.lifetimeMs !== undefined) {
      const lifetimeMs = resolved.lifetimeMs
      live.lifetimeTimer = setTimeout(() => {
        this.#expired.set(id, lifetimeMs)
        void this.destroy(id)
      }, lifetimeMs)
      live.lifetimeTimer.unref()
    }
    this.#live.set(id, live)
    return id
  }

  /**
   * Runs code in a sandbox. Resolves with an ExecResult for every outcome of the guest's code.
   * @throws SandboxNotFoundError, SandboxExpiredError, ConfigError (invalid request).
   */
  async execute(id: string, request: string | ExecRequest): Promise<ExecResult> {
    const live = this.#live.get(id)
    if (!live) {
      const lifetimeMs = this.#expired.get(id)
      if (lifetimeMs !== undefined) throw new SandboxExpiredError(id, lifetimeMs)
      throw new SandboxNotFoundError(id)
    }
    const normalized = normalizeRequest(request, live.config)
    if (!live.sandbox.languages.includes(normalized.language))
      throw new ConfigError(
        'language',
        `one of ${live.sandbox.languages.join(', ')} on tier "${live.tierId}"`,
        normalized.language,
      )
    return live.sandbox.execute(normalized)
  }

  /** Destroys a sandbox: a run in progress ends 'cancelled'. Unknown ids are ignored (idempotent). */
  async destroy(id: string): Promise<void> {
    const live = this.#live.get(id)
    if (!live) return
    this.#live.delete(id)
    clearTimeout(live.lifetimeTimer)
    await live.sandbox.close()
  }

  async destroyAll(): Promise<void> {
    await Promise.allSettled([...this.#live.keys()].map((id) => this.destroy(id)))
  }

  /** Whether each tier can run here, with versions, or why not (what `sandtier doctor` prints). */
  async availability(): Promise<Record<TierId, TierAvailability>> {
    const ids: TierId[] = ['quickjs', 'wasm', 'docker', 'gvisor']
    const entries = await Promise.all(
      ids.map(async (id): Promise<[TierId, TierAvailability]> => {
        try {
          return [id, await (await this.#registry.get(id)).availability()]
        } catch (err) {
          return [
            id,
            {
              available: false,
              versions: {},
              reason: err instanceof Error ? err.message : String(err),
            },
          ]
        }
      }),
    )
    return Object.fromEntries(entries) as Record<TierId, TierAvailability>
  }

  /** Live sandboxes per tier and each loaded tier's own counters (workers, containers, pools). */
  async stats(): Promise<ManagerStats> {
    const sandboxes: Partial<Record<TierId, number>> = {}
    for (const live of this.#live.values())
      sandboxes[live.tierId] = (sandboxes[live.tierId] ?? 0) + 1
    const tiers: Partial<Record<TierId, Record<string, number>>> = {}
    for (const tier of await this.#registry.loaded()) tiers[tier.id] = tier.stats?.() ?? {}
    return { sandboxes, tiers }
  }

  /** Ids of live sandboxes. */
  list(): string[] {
    return [...this.#live.keys()]
  }

  /** Destroys every sandbox and shuts every tier down (workers, pools, containers). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.destroyAll()
      await this.#registry.close()
    })()
    return this.#closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  #route(config: ResolvedConfig, language: Language): TierId {
    const tierId = chooseTier({ type: config.type, language, trust: config.trust })
    if (!tierId)
      throw new ConfigError('language', `a language that tier "${config.type}" runs`, language)
    return tierId
  }
}
