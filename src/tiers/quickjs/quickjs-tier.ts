/**
 * The `quickjs` tier: JavaScript and TypeScript interpreted by QuickJS compiled to WASM, in worker threads.
 *
 * Each sandbox has its own QuickJS module and WebAssembly.Memory (maximum = its memory limit), living in
 * one of a few guest workers shared by many sandboxes. Booted workers and instantiated modules are kept
 * warm, so a new sandbox costs a runtime and a context (~0.4 ms), not a worker spawn or an instantiation.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { MiB, WASM_PAGE_BYTES, type ResolvedConfig } from '../../config.js'
import { ConfigError } from '../../errors.js'
import { Closing } from '../../lifecycle/closing.js'
import {
  TIER_LANGUAGES,
  type Tier,
  type TierAvailability,
  type TierSandbox,
  type TierSnapshot,
} from '../tier.js'
import { resolveWorkerScript } from '../worker-script.js'
import { defaultHostWorkers, WorkerPool } from '../worker-pool.js'
import { createRunFetch } from '../in-process-fetch.js'
import { QUICKJS_MIN_PAGES } from './module-stash.js'
import { BOARD_SLOTS } from './protocol.js'
import { ImageBudget } from './image-budget.js'
import { QuickJsHost, type Placement } from './quickjs-host.js'
import { QuickJsSandbox, type QuickJsSandboxDeps } from './quickjs-sandbox.js'
import { readStaticLayout } from './wasm-layout.js'

/** The largest memory limit this tier accepts: a wasm32 heap, kept well under 4 GiB. */
export const QUICKJS_MAX_MEMORY_BYTES = 2048 * MiB
const DEFAULT_WARM_PAGES = (64 * MiB) / WASM_PAGE_BYTES

export interface QuickJsTierOptions {
  /** Guest workers shared by all sandboxes. @default one per core, at most 8 */
  workers?: number
  /** Booted workers kept ready to replace a terminated one. @default 1 */
  spareWorkers?: number
  /** Instantiated QuickJS modules (64 MiB limit) kept ready per worker. @default 2 */
  warmModules?: number
  /**
   * Host memory that the state images of all sandboxes may hold together, so that they survive the
   * termination of their worker (sandbox-image.ts); past it a sandbox's state is not protected.
   * @default 256 MiB
   */
  imageBudgetBytes?: number
  /** Builds the host side of the guest's `fetch` for a run. @default through the sandbox's NetworkPolicy */
  createFetch?: QuickJsSandboxDeps['createFetch']
}

const require = createRequire(import.meta.url)

export class QuickJsTier extends Closing implements Tier {
  readonly id = 'quickjs' as const
  readonly languages = TIER_LANGUAGES.quickjs
  readonly #workers: number
  readonly #pool: WorkerPool
  readonly #hosts: QuickJsHost[] = []
  readonly #createFetch: QuickJsSandboxDeps['createFetch']
  /** A worker being added, already reserved for the placement that started it. */
  #growing: Promise<Placement> | undefined
  readonly #imageBudget: ImageBudget
  /** Sandboxes that caused a termination, ever (they live on the isolation worker). */
  #isolatedSandboxes = 0
  /** The worker of sandboxes whose runs had a worker terminated, kept apart from everyone else's. */
  #isolation: Promise<QuickJsHost> | undefined
  #nextSid = 1
  readonly #cancelBoard = new Int32Array(new SharedArrayBuffer(BOARD_SLOTS * 4))
  /** The library's version and the wasm's hash: a snapshot's state fits only this build (TierSnapshot). */
  readonly build: string

  constructor(options: QuickJsTierOptions = {}) {
    super('quickjs tier')
    this.#workers = options.workers ?? defaultHostWorkers()
    this.#createFetch = options.createFetch ?? createRunFetch
    this.#imageBudget = new ImageBudget(options.imageBudgetBytes)
    const wasmBytes = readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'))
    const layout = readStaticLayout(wasmBytes)
    const version = (require('quickjs-emscripten/package.json') as { version: string }).version
    const wasmHash = createHash('sha256').update(wasmBytes).digest('hex').slice(0, 16)
    this.build = `quickjs-emscripten@${version}+release-sync.${wasmHash}`
    // Adopted first, so closed after every sandbox; the workers in use are terminated by onClose.
    this.#pool = this.adopt(
      new WorkerPool({
        script: resolveWorkerScript(import.meta.url, './worker-main.js'),
        workerData: {
          wasmModule: new WebAssembly.Module(wasmBytes),
          staticLayout: 'unsupported' in layout ? undefined : layout,
          warmPages: DEFAULT_WARM_PAGES,
          warmModules: options.warmModules ?? 2,
          cancelBoard: this.#cancelBoard.buffer,
        },
        spares: options.spareWorkers ?? 1,
        // Guest heaps live in wasm memories, outside these limits; they bound the worker's own JS.
        resourceLimits: { maxOldGenerationSizeMb: 256, stackSizeMb: 4 },
      }),
    )
  }

  validate(config: ResolvedConfig): void {
    if (
      config.memoryLimitBytes < QUICKJS_MIN_PAGES * WASM_PAGE_BYTES ||
      config.memoryLimitBytes > QUICKJS_MAX_MEMORY_BYTES
    )
      throw new ConfigError(
        'memoryLimit',
        `between ${(QUICKJS_MIN_PAGES * WASM_PAGE_BYTES) / MiB} MiB and ${QUICKJS_MAX_MEMORY_BYTES / MiB} MiB on the quickjs tier`,
        config.memoryLimitBytes,
      )
  }

  availability(): Promise<TierAvailability> {
    const pkg = require('quickjs-emscripten/package.json') as { version: string }
    return Promise.resolve({
      available: true,
      versions: { 'quickjs-emscripten': pkg.version, node: process.versions.node },
    })
  }

  /** Boots the first worker and its warm modules ahead of the first sandbox. */
  async warm(): Promise<void> {
    await this.#pool.warm()
  }

  /** @throws SandboxClosedError after close(), as a rejection like every other failure of createSandbox. */
  createSandbox(config: ResolvedConfig): Promise<TierSandbox> {
    return this.#newSandbox(config, undefined)
  }

  /**
   * A sandbox holding a snapshot's state, rebuilt in a worker at its first run or file operation, or at
   * once with `probe` (restore: bytes from elsewhere are checked before the sandbox is handed out). The
   * caller checked the build and the sizes against the config.
   * @throws SnapshotError from the probe.
   */
  async restoreSandbox(
    config: ResolvedConfig,
    state: TierSnapshot,
    options: { probe?: boolean } = {},
  ): Promise<TierSandbox> {
    const sandbox = await this.#newSandbox(config, state)
    if (!options.probe) return sandbox
    try {
      await sandbox.probe()
    } catch (err) {
      await sandbox.close()
      throw err
    }
    return sandbox
  }

  #newSandbox(config: ResolvedConfig, initial: TierSnapshot | undefined): Promise<QuickJsSandbox> {
    const sandbox = new QuickJsSandbox({
      sid: this.#nextSid++,
      config,
      place: (isolated) => (isolated ? this.#placeIsolated() : this.#place()),
      onIsolated: () => this.#isolatedSandboxes++,
      imageBudget: this.#imageBudget,
      createFetch: this.#createFetch,
      cancelBoard: this.#cancelBoard,
      build: this.build,
      ...(initial ? { initial } : {}),
    })
    return new Promise((resolve) => resolve(this.adopt(sandbox)))
  }

  stats(): Record<string, number> {
    const hosts = this.#liveHosts()
    return {
      workers: hosts.length,
      // Runs placed on the shared workers (the isolation worker's are not counted).
      runsActive: hosts.reduce((sum, host) => sum + host.reservedRuns, 0),
      sandboxes: this.owned(QuickJsSandbox).length,
      spareWorkers: this.#pool.spareCount,
      isolatedSandboxes: this.#isolatedSandboxes,
      imageBytes: this.#imageBudget.usedBytes,
    }
  }

  #liveHosts(): QuickJsHost[] {
    for (let i = this.#hosts.length - 1; i >= 0; i--)
      if (this.#hosts[i]?.closed) this.#hosts.splice(i, 1)
    return this.#hosts
  }

  /**
   * The least loaded worker (idle before busy), growing to `workers` first, so runs spread over the cores.
   * The worker is returned reserved in the same turn it was chosen, so a placement running concurrently
   * never sees it idle.
   */
  async #place(): Promise<Placement> {
    this.assertOpen()
    const hosts = this.#liveHosts()
    if (hosts.length + (this.#growing ? 1 : 0) < this.#workers) {
      const joining = this.#growing !== undefined
      this.#growing ??= this.#pool.take().then((worker) => {
        const host = new QuickJsHost(worker)
        this.#hosts.push(host)
        return { host, release: host.reserve() }
      })
      const growing = this.#growing
      try {
        const placed = await growing
        return joining ? reserved(placed.host) : placed
      } finally {
        if (this.#growing === growing) this.#growing = undefined
      }
    }
    // Among equally loaded workers the first wins, so a stream of short runs stays on one awake thread:
    // waking an idle thread costs more on this kind of VM (up to milliseconds) than anything it saves.
    let least: QuickJsHost | undefined
    for (const host of hosts) if (!least || host.load < least.load) least = host
    if (least) return reserved(least)
    const grown = await this.#growing
    return grown ? reserved(grown.host) : this.#place()
  }

  /**
   * A worker apart from the shared ones, for sandboxes that caused a termination: a tenant that keeps
   * feeding built-ins that ignore the interrupt then only ever terminates its own kind's worker.
   */
  async #placeIsolated(): Promise<Placement> {
    this.assertOpen()
    const pending = this.#isolation
    const current = await pending?.catch(() => undefined)
    if (current && !current.closed) return reserved(current)
    // Gone (terminated by its own tenants) or never made; a concurrent placement may have made it anew.
    if (this.#isolation === pending) {
      this.#isolation = this.#pool.take().then((worker) => new QuickJsHost(worker))
      this.#isolation.catch(() => undefined)
    }
    return reserved(await (this.#isolation as Promise<QuickJsHost>))
  }

  // After the sandboxes (children) closed: no run is left on the workers.
  protected async onClose(): Promise<void> {
    const hosts = this.#hosts.splice(0)
    const isolated = await this.#isolation?.catch(() => undefined)
    if (isolated) hosts.push(isolated)
    await Promise.allSettled(hosts.map((h) => h.worker.terminate()))
  }
}

function reserved(host: QuickJsHost): Placement {
  return { host, release: host.reserve() }
}
