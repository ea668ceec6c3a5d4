/**
 * Lends booted guest workers to runs, one run per worker at a time, with at most `maxWorkers` runs at once
 * (a guest runs synchronously and holds its thread). A worker comes back idle after a clean run; after a
 * timeout, crash or cancellation it was terminated and the pool's spare replaces it.
 */
import { Closing } from '../../lifecycle/closing.js'
import type { GuestWorker } from '../guest-worker.js'
import type { WorkerPool } from '../worker-pool.js'

export class WorkerLease extends Closing {
  readonly #pool: WorkerPool
  readonly #maxWorkers: number
  readonly #idle: GuestWorker[] = []
  readonly #waiting: (() => void)[] = []
  #active = 0

  constructor(pool: WorkerPool, maxWorkers: number) {
    super('wasm tier')
    this.#pool = pool
    this.#maxWorkers = maxWorkers
  }

  /** Runs in progress. */
  get active(): number {
    return this.#active
  }

  get idleCount(): number {
    return this.#idle.length
  }

  /**
   * A worker for one run; waits while `maxWorkers` runs are in progress.
   * @throws SandboxClosedError after close().
   */
  async acquire(): Promise<GuestWorker> {
    while (this.#active >= this.#maxWorkers) {
      this.assertOpen()
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    }
    this.assertOpen()
    this.#active += 1
    try {
      let worker = this.#idle.pop()
      while (worker?.closed === true) worker = this.#idle.pop()
      return worker ?? (await this.#pool.take())
    } catch (error) {
      this.#active -= 1
      this.#waiting.shift()?.()
      throw error
    }
  }

  /** Returns a worker after its run; one that may hold a stopped guest is terminated instead. */
  release(worker: GuestWorker, reusable: boolean): void {
    this.#active -= 1
    if (reusable && !worker.closed && !this.closed && this.#idle.length < this.#maxWorkers)
      this.#idle.push(worker)
    else void worker.terminate()
    this.#waiting.shift()?.()
  }

  // Runs still holding a worker give it back through release(), which terminates it once closed.
  protected async onClose(): Promise<void> {
    for (const wake of this.#waiting.splice(0)) wake()
    await Promise.all(this.#idle.splice(0).map((w) => w.terminate()))
  }
}
