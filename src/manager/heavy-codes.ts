/**
 * The manager's memory of heaviness: code that was heavy before (its container attempt won a hedge, or it
 * used up the in-process CPU budget) goes straight to the container next time, without paying the probe
 * again. Bounded (least recently used out first) and keyed by a hash, so it holds no guest text.
 */
import { createHash } from 'node:crypto'

/** Distinct heavy codes remembered per manager. */
export const MAX_HEAVY_CODES = 512

export class HeavyCodes {
  readonly #keys = new Map<string, true>()
  readonly #max: number

  constructor(max = MAX_HEAVY_CODES) {
    this.#max = max
  }

  /**
   * Whether this code (in this language, at this trust) was heavy before. Hashes nothing while the memory
   * is empty: a manager whose runs are all light pays nothing per run.
   */
  has(code: string, language: string, trust: string): boolean {
    if (this.#keys.size === 0) return false
    const key = heavyKey(code, language, trust)
    if (!this.#keys.delete(key)) return false
    this.#keys.set(key, true)
    return true
  }

  add(code: string, language: string, trust: string): void {
    const key = heavyKey(code, language, trust)
    this.#keys.delete(key)
    this.#keys.set(key, true)
    if (this.#keys.size > this.#max) this.#keys.delete(this.#keys.keys().next().value as string)
  }

  get size(): number {
    return this.#keys.size
  }
}

function heavyKey(code: string, language: string, trust: string): string {
  return createHash('sha256').update(`${language}\0${trust}\0`).update(code).digest('base64')
}
