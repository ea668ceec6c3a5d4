/**
 * What the Python tier's sandboxes share, host side: python.wasm compiled once, the standard library zip read
 * once (both shared with every worker without a copy), the ready memory image built once in a worker, and the
 * workers that run guests. A worker gets the image before its first run.
 */
import { readFile } from 'node:fs/promises'
import { TierUnavailableError } from '../../errors.js'
import { Closing } from '../../lifecycle/closing.js'
import type { GuestWorker } from '../guest-worker.js'
import { WorkerPool } from '../worker-pool.js'
import { resolveWorkerScript } from '../worker-script.js'
import { WorkerLease } from '../wasm/worker-lease.js'
import { locatePythonWasm } from './artifacts.js'
import type { ImageShare } from './protocol.js'

export interface PythonRuntimeOptions {
  maxWorkers: number
  workerHeapMb: number
  cacheDir?: string | undefined
}

export function pythonWorkerScript(): URL {
  return resolveWorkerScript(import.meta.url, './worker-main.js')
}

export class PythonRuntime extends Closing {
  readonly #options: PythonRuntimeOptions
  readonly #adopted = new WeakSet<GuestWorker>()
  #share: Promise<ImageShare> | undefined
  #pool: WorkerPool | undefined
  #lease: WorkerLease | undefined

  constructor(options: PythonRuntimeOptions) {
    super('pywasm tier')
    this.#options = options
  }

  get lease(): WorkerLease {
    this.#pool ??= this.adopt(
      new WorkerPool({
        script: pythonWorkerScript(),
        spares: 1,
        resourceLimits: { maxOldGenerationSizeMb: this.#options.workerHeapMb, stackSizeMb: 4 },
      }),
    )
    this.#lease ??= this.adopt(new WorkerLease(this.#pool, this.#options.maxWorkers))
    return this.#lease
  }

  /** The image, built on first need. @throws TierUnavailableError when the artifacts are absent or do not start. */
  image(): Promise<ImageShare> {
    this.#share ??= this.#buildImage()
    // A failed build may succeed later (artifacts built meanwhile).
    this.#share.catch(() => (this.#share = undefined))
    return this.#share
  }

  /** A worker ready to run: leased, with the image. The caller releases it through `lease`. */
  async acquire(): Promise<GuestWorker> {
    const share = await this.image()
    const worker = await this.lease.acquire()
    if (!this.#adopted.has(worker)) {
      try {
        await worker.call({ type: 'adopt', ...share })
      } catch (error) {
        this.lease.release(worker, false)
        throw error
      }
      this.#adopted.add(worker)
    }
    return worker
  }

  // The pool and lease are adopted: they close before this.
  protected onClose(): Promise<void> {
    this.#share = undefined
    return Promise.resolve()
  }

  async #buildImage(): Promise<ImageShare> {
    const status = await locatePythonWasm(this.#options.cacheDir)
    if (!status.available)
      throw new TierUnavailableError(
        'pywasm',
        status.reason,
        'Python in auto mode runs on a container tier meanwhile.',
      )
    const [wasm, zipBytes] = await Promise.all([
      readFile(status.artifacts.wasmPath),
      readFile(status.artifacts.stdlibZipPath),
    ])
    const module = await WebAssembly.compile(wasm)
    const zip = new SharedArrayBuffer(zipBytes.byteLength)
    new Uint8Array(zip).set(zipBytes)
    const worker = await this.lease.acquire()
    try {
      const built = await worker.call<Omit<ImageShare, 'module' | 'zip'>>({
        type: 'image',
        module,
        zip,
      })
      return { module, zip, ...built }
    } finally {
      // The image's worker ran CPython's start-up in its own memory: it is not reused for guests.
      this.lease.release(worker, false)
    }
  }
}
