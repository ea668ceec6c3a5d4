/**
 * How many tool calls run at once: `maxConcurrent` run, `maxQueued` wait in order, one more is refused
 * at once (a busy server answers "busy" rather than piling up work a client may have given up on).
 */
import { CapacityError } from '../index.js'

export class CallSlots {
  readonly #maxRunning: number
  readonly #maxQueued: number
  #running = 0
  readonly #queue: (() => void)[] = []

  constructor(maxRunning: number, maxQueued: number) {
    this.#maxRunning = maxRunning
    this.#maxQueued = maxQueued
  }

  /**
   * Runs `work` when a slot is free.
   * @throws CapacityError when every slot and every place in the queue is taken.
   */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#running >= this.#maxRunning) {
      if (this.#queue.length >= this.#maxQueued)
        throw new CapacityError(
          `the server is busy (${this.#maxRunning} calls running, ${this.#maxQueued} waiting): retry later`,
        )
      await new Promise<void>((resolve, reject) => {
        const start = (): void => {
          signal?.removeEventListener('abort', leave)
          resolve()
        }
        const leave = (): void => {
          const at = this.#queue.indexOf(start)
          if (at >= 0) this.#queue.splice(at, 1)
          reject(signal?.reason as Error)
        }
        if (signal?.aborted) return leave()
        signal?.addEventListener('abort', leave, { once: true })
        this.#queue.push(start)
      })
    }
    this.#running++
    try {
      return await work()
    } finally {
      this.#running--
      this.#queue.shift()?.()
    }
  }

  get running(): number {
    return this.#running
  }
}
