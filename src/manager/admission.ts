/**
 * Admission control: at most `maxConcurrent` runs at once across the manager, the rest wait in a FIFO queue
 * of at most `maxQueued`; past that, execute() rejects with CapacityError rather than piling up work.
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
    return this.#waiting.length
  }

  /** Runs `task` when a slot is free. @throws CapacityError when the queue is full. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#maxConcurrent) {
      if (this.#waiting.length >= this.#maxQueued)
        throw new CapacityError(
          `Too many runs: ${this.#running} running and ${this.#waiting.length} queued (maxConcurrent ${this.#maxConcurrent}, maxQueued ${this.#maxQueued})`,
        )
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
