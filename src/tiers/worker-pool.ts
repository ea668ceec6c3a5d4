/**
 * Keeps booted guest workers ready, so spawning one (~22 ms) is never on the path of a warm run.
 * Taking a worker starts a replacement in the background.
 */
import { availableParallelism } from 'node:os'
import { Closing } from '../lifecycle/closing.js'
import { GuestWorker, type GuestWorkerOptions } from './guest-worker.js'

export interface WorkerPoolOptions extends GuestWorkerOptions {
  /** Booted workers kept idle and ready. @default 1 */
  spares?: number
}

export class WorkerPool extends Closing {
  readonly #options: GuestWorkerOptions
  readonly #spareTarget: number
  readonly #spares: GuestWorker[] = []

  constructor({ spares = 1, ...options }: WorkerPoolOptions) {
    super('worker pool')
    this.#options = options
    this.#spareTarget = spares
  }

  /** A booted worker: a spare when one is ready, else a new one. Refills the spares in the background. */
  async take(): Promise<GuestWorker> {
    let worker = this.#spares.shift()
    while (worker?.closed) worker = this.#spares.shift()
    worker ??= new GuestWorker(this.#options)
    this.#refill()
    await worker.whenReady()
    return worker
  }

  /** Boots spares up to the target now; resolves when they are ready. */
  async warm(): Promise<void> {
    this.#refill()
    await Promise.allSettled(this.#spares.map((w) => w.ready))
  }

  get spareCount(): number {
    return this.#spares.length
  }

  // Workers already taken belong to whoever took them; only the idle spares are the pool's.
  protected async onClose(): Promise<void> {
    const spares = this.#spares.splice(0)
    await Promise.all(spares.map((w) => w.terminate()))
  }

  #refill(): void {
    if (this.closed) return
    while (this.#spares.length < this.#spareTarget) {
      const worker = new GuestWorker(this.#options)
      worker.onExit(() => {
        const at = this.#spares.indexOf(worker)
        if (at >= 0) this.#spares.splice(at, 1)
      })
      this.#spares.push(worker)
    }
  }
}

/** Workers that host in-process guests: one per core, since a guest runs synchronously in its worker. */
export function defaultHostWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 8))
}
