/**
 * The `pywasm` tier: CPython 3.13 compiled to WASI (scripts/build-python-wasm.sh), run in process in worker
 * threads. Protects the host by: WASI as the only import set, implemented by the host over in-memory trees
 * (no host file, environment, socket or process reaches the guest); each sandbox its own WebAssembly.Memory
 * with `maximum` = memoryLimit; stdout, stderr and the value bounded before they are copied out; the
 * deadline, CPU budget and cancellation by terminating the worker. Each sandbox starts from one ready memory
 * image (restored into a fresh, zeroed memory: nothing of another tenant), then draws its own random state.
 * Does not protect against: side channels between guests sharing a process; the hash seed is the image's
 * (one per tier instance, not per sandbox: see docs/tiers.md).
 * Fails as: 'timeout' / 'cpu' / 'cancelled' (worker terminated), 'memory' (the Python heap at the limit),
 * 'output', 'crashed' (a trap, an abort, a stack overflow), 'error' (an exception; ERR_CAPABILITY_REQUIRED
 * when the code needs what WASI lacks, which the manager escalates to a container in auto mode).
 */
import { MiB, type ResolvedConfig } from '../../config.js'
import { ConfigError } from '../../errors.js'
import { Closing } from '../../lifecycle/closing.js'
import { TIER_LANGUAGES, type Tier, type TierAvailability, type TierSandbox } from '../tier.js'
import { defaultHostWorkers } from '../worker-pool.js'
import { locatePythonWasm } from './artifacts.js'
import { PythonRuntime, pythonWorkerScript } from './python-runtime.js'
import { PythonSandbox } from './python-sandbox.js'

export interface PythonTierOptions {
  /** Runs at once; more wait for a worker. @default one per core, at most 8 */
  maxWorkers?: number
  /** V8 heap of a guest worker in MiB (the interpreter's memory is bounded separately). @default 64 */
  workerHeapMb?: number
  /** Where scripts/build-python-wasm.sh put the artifacts. @default pythonWasmCacheDir() */
  cacheDir?: string
}

/** The least memoryLimit a Python sandbox accepts: the image (~22 MiB) and room to run. */
export const MIN_MEMORY_LIMIT_BYTES = 32 * MiB

export class PythonTier extends Closing implements Tier {
  readonly id = 'pywasm' as const
  readonly languages = TIER_LANGUAGES.pywasm
  readonly #options: PythonTierOptions
  readonly #runtime: PythonRuntime

  constructor(options: PythonTierOptions = {}) {
    super('pywasm tier')
    this.#options = options
    this.#runtime = this.adopt(
      new PythonRuntime({
        maxWorkers: options.maxWorkers ?? defaultHostWorkers(),
        workerHeapMb: options.workerHeapMb ?? 64,
        cacheDir: options.cacheDir,
      }),
    )
  }

  /** @throws ConfigError for a memoryLimit below MIN_MEMORY_LIMIT_BYTES. */
  validate(config: ResolvedConfig): void {
    if (config.memoryLimitBytes < MIN_MEMORY_LIMIT_BYTES)
      throw new ConfigError(
        'memoryLimit',
        `at least ${MIN_MEMORY_LIMIT_BYTES} bytes on the pywasm tier (the interpreter's image is ~22 MiB)`,
        config.memoryLimitBytes,
      )
  }

  async availability(): Promise<TierAvailability> {
    const status = await locatePythonWasm(this.#options.cacheDir)
    const versions = { node: process.versions.node, ...status.versions }
    if (!status.available) return { available: false, versions, reason: status.reason }
    try {
      pythonWorkerScript()
    } catch (error) {
      return {
        available: false,
        versions,
        reason: error instanceof Error ? error.message : String(error),
      }
    }
    return { available: true, versions }
  }

  stats(): Record<string, number> {
    return {
      sandboxes: this.owned(PythonSandbox).length,
      stateBytes: this.owned(PythonSandbox).reduce((sum, s) => sum + s.stateBytes, 0),
      runsActive: this.#runtime.lease.active,
      workersIdle: this.#runtime.lease.idleCount,
    }
  }

  /** @throws TierUnavailableError when the artifacts are absent; SandboxClosedError after close(). */
  async createSandbox(config: ResolvedConfig, _signal?: AbortSignal): Promise<TierSandbox> {
    this.assertOpen()
    await this.#runtime.image()
    return this.adopt(new PythonSandbox(config, this.#runtime))
  }

  // The runtime (workers, image) is adopted: it closes after the sandboxes.
  protected onClose(): Promise<void> {
    return Promise.resolve()
  }

  /** Builds the image and boots a worker now, so the first run waits for neither. */
  async warm(): Promise<void> {
    const worker = await this.#runtime.acquire()
    this.#runtime.lease.release(worker, true)
  }
}
