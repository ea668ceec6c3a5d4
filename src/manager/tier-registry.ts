/**
 * Creates each tier on first use and keeps it for the manager's lifetime. Tiers are loaded lazily, so an
 * embedding that only evaluates JavaScript never loads dockerode or the AssemblyScript compiler.
 */
import { SandboxClosedError } from '../errors.js'
import { Closing } from '../lifecycle/closing.js'
import type { Tier, TierAvailability, TierSandbox } from '../tiers/tier.js'
import type { TierId } from '../types.js'
import type { LiveSandbox } from './live-sandbox.js'
import type { DockerTierOptions } from '../tiers/docker.js'
import type { GVisorTierOptions } from '../tiers/gvisor.js'
import type { QuickJsTierOptions } from '../tiers/quickjs/quickjs-tier.js'
import type { WasmTierOptions } from '../tiers/wasm/wasm-tier.js'
import type { PythonTierOptions } from '../tiers/python/python-tier.js'

/** Options per tier: worker counts, warm pools. */
export interface TierOptions {
  quickjs?: QuickJsTierOptions
  wasm?: WasmTierOptions
  pywasm?: PythonTierOptions
  docker?: DockerTierOptions
  gvisor?: GVisorTierOptions
}

/** How each tier is built; the manager may be given ready tiers instead (tests, embedding). */
const factories: Record<TierId, (options: TierOptions) => Promise<Tier>> = {
  quickjs: async (options) => {
    const { QuickJsTier } = await import('../tiers/quickjs/quickjs-tier.js')
    return new QuickJsTier(options.quickjs)
  },
  wasm: async (options) => {
    const { WasmTier } = await import('../tiers/wasm/wasm-tier.js')
    return new WasmTier(options.wasm)
  },
  pywasm: async (options) => {
    const { PythonTier } = await import('../tiers/python/python-tier.js')
    return new PythonTier(options.pywasm)
  },
  docker: async (options) => {
    const { DockerTier } = await import('../tiers/docker.js')
    return new DockerTier(options.docker)
  },
  gvisor: async (options) => {
    const { GVisorTier } = await import('../tiers/gvisor.js')
    return new GVisorTier(options.gvisor)
  },
}

export class TierRegistry extends Closing {
  readonly #options: TierOptions
  readonly #tiers = new Map<TierId, Promise<Tier>>()

  constructor(options: TierOptions = {}, given: Partial<Record<TierId, Tier>> = {}) {
    super('sandbox manager')
    this.#options = options
    for (const [id, tier] of Object.entries(given))
      this.#tiers.set(id as TierId, Promise.resolve(tier))
  }

  get(id: TierId): Promise<Tier> {
    if (this.closed) return Promise.reject(new SandboxClosedError('sandbox manager'))
    let tier = this.#tiers.get(id)
    if (!tier) {
      tier = factories[id](this.#options)
      this.#tiers.set(id, tier)
      // A tier that failed to load may load later (e.g. once an engine is up).
      tier.catch(() => this.#tiers.delete(id))
    }
    return tier
  }

  /** Whether each tier can run here, with versions, or why not (what `sandtier doctor` prints). */
  async availability(): Promise<Record<TierId, TierAvailability>> {
    const ids: TierId[] = ['quickjs', 'wasm', 'pywasm', 'docker', 'gvisor']
    const entries = await Promise.all(
      ids.map(async (id): Promise<[TierId, TierAvailability]> => {
        try {
          return [id, await (await this.get(id)).availability()]
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err)
          return [id, { available: false, versions: {}, reason }]
        }
      }),
    )
    return Object.fromEntries(entries) as Record<TierId, TierAvailability>
  }

  /**
   * The container sandbox of `live`'s escalated runs: made on the first need, kept until the sandbox ends.
   */
  containerFor(live: LiveSandbox, to: TierId): Promise<TierSandbox> {
    if (live.escalated) return live.escalated
    const made = this.get(to).then((tier) => {
      // Tiers check a config only in validate(): an escalated config is checked for its new tier here.
      const config = { ...live.config, type: to }
      tier.validate(config)
      return tier.createSandbox(config)
    })
    // A container that could not be made is asked for again by the next escalated run.
    made.catch(() => {
      if (live.escalated === made) live.escalated = undefined
    })
    live.escalated = made
    return made
  }

  /** Each loaded tier's counters. */
  async stats(): Promise<Partial<Record<TierId, Record<string, number>>>> {
    const tiers: Partial<Record<TierId, Record<string, number>>> = {}
    for (const tier of await this.loaded()) tiers[tier.id] = tier.stats?.() ?? {}
    return tiers
  }

  /** Tiers created so far. */
  async loaded(): Promise<Tier[]> {
    const settled = await Promise.allSettled(this.#tiers.values())
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  }

  // Tiers are independent of each other: they close together, and one's failure does not stop the others.
  protected async onClose(): Promise<void> {
    const tiers = await this.loaded()
    await Promise.allSettled(tiers.map((t) => t.close()))
    this.#tiers.clear()
  }
}
