/**
 * Admission control: at most `maxConcurrent` runs at once across the manager, the rest wait in a FIFO queue
 * of at most `maxQueued` (runs waiting for their own sandbox's previous run count too); past that, execute()
 * rejects with CapacityError rather than piling up work. The manager queues at most one run per sandbox
 * here, so FIFO order is round robin between sandboxes.
 */
import { CapacityError } from '../errors.js'

export class Admission {
  readonly #maxConcurrent: number
  readonly #maxQueued: number
  readonly #waiting: (() => void)[] = []
  #running = 0

  constructor(maxConcurrent: number, maxQueued: number) {
    this.#maxConcurrent = maxConcurrent
    this.#maxQueued = maxQueued
  }

  get running(): number {
    return this.#running
  }

  get queued(): number {
    return this.#waiting.length + this.#held
  }

  /** Runs accepted but waiting elsewhere first (for their sandbox's previous run): they count as queued. */
  #held = 0

  /**
   * Takes a place in the queue for a run that first waits elsewhere; `admit` then runs it (and gives the
   * place back). @throws CapacityError when the queue is full.
   */
  hold(): <T>(task: () => Promise<T>) => Promise<T> {
    // Held runs are not admitted yet, so they count as queued even while a slot is free: the total a
    // manager accepts is maxConcurrent running plus maxQueued waiting, wherever they wait.
    if (this.#running + this.queued >= this.#maxConcurrent + this.#maxQueued) throw this.#full()
    this.#held++
    return <T>(task: () => Promise<T>): Promise<T> => {
      this.#held--
      return this.#run(task, false)
    }
  }

  /** Runs `task` when a slot is free. @throws CapacityError when the queue is full. */
  run<T>(task: () => Promise<T>): Promise<T> {
    return this.#run(task, true)
  }

  #full(): CapacityError {
    return new CapacityError(
      `Too many runs: ${this.#running} running and ${this.queued} queued (maxConcurrent ${this.#maxConcurrent}, maxQueued ${this.#maxQueued})`,
    )
  }

  async #run<T>(task: () => Promise<T>, checkQueue: boolean): Promise<T> {
    if (this.#running >= this.#maxConcurrent) {
      if (checkQueue && this.queued >= this.#maxQueued) throw this.#full()
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    } else {
      this.#running++
    }
    try {
      return await task()
    } finally {
      const next = this.#waiting.shift()
      // The slot passes straight to the next waiter; the count only drops when nobody waits.
      if (next) next()
      else this.#running--
    }
  }
}
