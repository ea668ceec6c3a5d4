/**
 * The host memory all sandbox images of a tier may hold together (sandbox-image.ts). Images are copies of
 * guest heaps kept on the host thread, outside any sandbox's memory limit: without a total, many sandboxes
 * with large heaps would grow the host by their sum. Past the budget a sandbox keeps no image, and if its
 * worker is later lost its next run reports the reset (ERR_SANDBOX_RESET).
 */
import { MiB } from '../../config.js'

export const DEFAULT_IMAGE_BUDGET_BYTES = 256 * MiB

export class ImageBudget {
  readonly #limitBytes: number
  #usedBytes = 0

  constructor(limitBytes = DEFAULT_IMAGE_BUDGET_BYTES) {
    this.#limitBytes = limitBytes
  }

  get usedBytes(): number {
    return this.#usedBytes
  }

  /**
   * Replaces a sandbox's image of `oldBytes` with one of `newBytes` (0 for none). False when the new one
   * does not fit: the old one is released anyway, since it no longer describes the sandbox.
   */
  swap(oldBytes: number, newBytes: number): boolean {
    this.#usedBytes -= oldBytes
    if (this.#usedBytes + newBytes > this.#limitBytes) return false
    this.#usedBytes += newBytes
    return true
  }
}
