/**
 * The `wasm` tier: AssemblyScript compiled in-process and user `.wasm` modules (optionally WASI), run in
 * worker threads with a host-owned bounded memory.
 */
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MiB, WASM_PAGE_BYTES, type ResolvedConfig } from '../../config.js'
import { ConfigError } from '../../errors.js'
import { Closing } from '../../lifecycle/closing.js'
import { TIER_LANGUAGES, type Tier, type TierAvailability, type TierSandbox } from '../tier.js'
import { WorkerPool, defaultHostWorkers } from '../worker-pool.js'
import { resolveWorkerScript } from '../worker-script.js'
import { AscCompiler } from './asc-compiler.js'
import { readAscVersion } from './asc-setup.js'
import { ModuleCache, type ModuleCacheStats } from './module-cache.js'
import { ModuleProvider } from './module-provider.js'
import { WasmSandbox } from './wasm-sandbox.js'
import { WorkerLease } from './worker-lease.js'

export interface WasmTierOptions {
  /** Source of booted guest workers; its script must be `wasmWorkerScript()`. @default a pool with one spare */
  workers?: WorkerPool
  /** Runs at once; more wait for a worker. @default one per core, at most 8 */
  maxWorkers?: number
  /** Directory of the compiled-module disk cache, or false for memory only. @default `<tmpdir>/sandtier-wasm-cache` */
  cacheDir?: string | false
  /** Bytes the disk cache may hold; the least recently used modules go past it. @default 256 MiB */
  cacheMaxBytes?: number
  /** Compiled modules kept in memory. @default 128 */
  memoryCacheEntries?: number
  /**
   * Longest one AssemblyScript compile may run, in ms, whatever the runs waiting for it allow (a compile
   * also counts against each run's own wall-clock limit, and stops when no run waits for it). @default 30_000
   */
  compileTimeoutMs?: number
  /** AssemblyScript compiles at once (compiler workers; a large source never holds all of them). @default 2 */
  compilerWorkers?: number
  /** Largest module accepted, in bytes. @default 8 MiB */
  maxModuleBytes?: number
  /** V8 heap of a guest worker in MiB (linear memory is bounded separately, by maxMemoryPages). @default 64 */
  workerHeapMb?: number
}

/** The worker entry a `workers` pool for this tier must run. */
export function wasmWorkerScript(): URL {
  return resolveWorkerScript(import.meta.url, './worker-main.js')
}

/**
 * Runs AssemblyScript and wasm guests. Protects the host by: a linear memory the host creates with
 * `maximum = maxMemoryPages` (modules that define their own memory are refused: V8 does not count wasm memory
 * against a worker's resourceLimits); an import allowlist with exact signatures, built on null-prototype
 * objects; every guest pointer bounds-checked; execution only in worker threads that are terminated at the
 * deadline (also during instantiation); the network only through the policy-checked `fetch`.
 * Does not protect against: side channels (timing, Spectre) between guests sharing a process.
 * Fails as: 'timeout' / 'cpu' / 'cancelled' (worker terminated and replaced), 'memory' (allocation failed at
 * the maximum), 'error' (trap, abort, compile diagnostics), ValidationError (module refused).
 *
 * @example
 * const tier = new WasmTier()
 * const sandbox = await tier.createSandbox(resolveConfig({ type: 'wasm', language: 'assemblyscript' }))
 */
export class WasmTier extends Closing implements Tier {
  readonly id = 'wasm' as const
  readonly languages = TIER_LANGUAGES.wasm
  readonly cache: ModuleCache
  readonly #options: WasmTierOptions
  readonly #compiler: AscCompiler
  readonly #provider: ModuleProvider
  readonly #compileTimeoutMs: number
  #pool: WorkerPool | undefined
  #lease: WorkerLease | undefined

  // Owned parts are adopted as they are made (compiler, pool, lease, then sandboxes), so they close in the
  // reverse order: sandboxes first, the compiler last.
  constructor(options: WasmTierOptions = {}) {
    super('wasm tier')
    this.#options = options
    this.#pool = options.workers
    this.#compileTimeoutMs = options.compileTimeoutMs ?? 30_000
    this.cache = new ModuleCache({
      maxEntries: options.memoryCacheEntries ?? 128,
      dir: options.cacheDir ?? join(tmpdir(), 'sandtier-wasm-cache'),
      diskMaxBytes: options.cacheMaxBytes,
    })
    this.#compiler = this.adopt(new AscCompiler({ maxWorkers: options.compilerWorkers ?? 2 }))
    this.#provider = new ModuleProvider({
      cache: this.cache,
      compiler: this.#compiler,
      maxModuleBytes: options.maxModuleBytes ?? 8 * MiB,
    })
  }

  get cacheStats(): ModuleCacheStats {
    return { ...this.cache.stats }
  }

  /** Counters for `manager.stats()`. */
  stats(): Record<string, number> {
    const { memoryHits, diskHits, misses } = this.cache.stats
    return {
      sandboxes: this.owned(WasmSandbox).length,
      runsActive: this.#lease?.active ?? 0,
      workersIdle: this.#lease?.idleCount ?? 0,
      workerSpares: this.#pool?.spareCount ?? 0,
      modulesCached: this.cache.size,
      compilesRunning: this.#compiler.running,
      compilesQueued: this.#compiler.queued,
      cacheMemoryHits: memoryHits,
      cacheDiskHits: diskHits,
      cacheMisses: misses,
    }
  }

  /** @throws ConfigError for a memory page limit above memoryLimit (the manager checked the language). */
  validate(config: ResolvedConfig): void {
    const pagesForLimit = Math.floor(config.memoryLimitBytes / WASM_PAGE_BYTES)
    if (config.wasm.maxMemoryPages > pagesForLimit)
      throw new ConfigError(
        'maxMemoryPages',
        `at most memoryLimit / ${WASM_PAGE_BYTES} (${pagesForLimit})`,
        config.wasm.maxMemoryPages,
      )
  }

  async availability(): Promise<TierAvailability> {
    const require = createRequire(import.meta.url)
    const versions: Record<string, string> = {
      node: process.versions.node,
      v8: process.versions.v8,
    }
    try {
      versions['assemblyscript'] = readAscVersion()
      versions['@wasmer/wasi'] = (
        require('@wasmer/wasi/package.json') as { version: string }
      ).version
      wasmWorkerScript()
    } catch (error) {
      return {
        available: false,
        versions,
        reason: error instanceof Error ? error.message : String(error),
      }
    }
    return typeof WebAssembly === 'object'
      ? { available: true, versions }
      : { available: false, versions, reason: 'WebAssembly is not available in this runtime' }
  }

  /**
   * A sandbox for the config (checked by validate()); a config `wasmBinary` is compiled and checked now.
   * @throws ValidationError (refused module), SandboxClosedError.
   */
  async createSandbox(config: ResolvedConfig, _signal?: AbortSignal): Promise<TierSandbox> {
    this.assertOpen()
    const sandbox = new WasmSandbox(config, {
      provider: this.#provider,
      lease: this.#leaseNow(),
      compileTimeoutMs: this.#compileTimeoutMs,
    })
    if (config.wasm.wasmBinary !== undefined)
      sandbox.plan(await this.#provider.raw(config.wasm.wasmBinary))
    this.adopt(sandbox)
    if (config.language === undefined || config.language === 'assemblyscript') this.#compiler.warm()
    return sandbox
  }

  /** Boots a guest worker and the compiler now, so the first run does not wait for them. */
  async warm(): Promise<void> {
    this.#compiler.warm()
    this.#leaseNow()
    await this.#poolNow().warm()
  }

  // After the owned parts closed (sandboxes, lease, pool, compiler).
  protected onClose(): Promise<void> {
    this.cache.clear()
    return Promise.resolve()
  }

  // A pool given in the options is the caller's: it is used, never closed, by this tier.
  #poolNow(): WorkerPool {
    this.#pool ??= this.adopt(
      new WorkerPool({
        script: wasmWorkerScript(),
        spares: 1,
        resourceLimits: {
          maxOldGenerationSizeMb: this.#options.workerHeapMb ?? 64,
          stackSizeMb: 4,
        },
      }),
    )
    return this.#pool
  }

  #leaseNow(): WorkerLease {
    this.#lease ??= this.adopt(
      new WorkerLease(this.#poolNow(), this.#options.maxWorkers ?? defaultHostWorkers()),
    )
    return this.#lease
  }
}
