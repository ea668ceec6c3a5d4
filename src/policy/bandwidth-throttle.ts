/**
 * Token bucket for `limits.networkBandwidth`: bytes flow at full speed while the bucket holds tokens (at most
 * one second's worth), then at the configured rate. Throttling, not failing: a slow transfer is ended by the
 * request timeout or the run's deadline, never silently cut.
 */

/** Paces network bytes to a rate in bytes per second. */
export class BandwidthThrottle {
  readonly bytesPerSec: number
  readonly #now: () => number
  #tokens: number
  #last: number

  /** @param now clock in ms (injectable for tests). @default performance.now */
  constructor(bytesPerSec: number, now: () => number = () => performance.now()) {
    this.bytesPerSec = bytesPerSec
    this.#now = now
    this.#tokens = bytesPerSec
    this.#last = now()
  }

  /** Takes `bytes` from the bucket; returns how many ms the caller must wait before moving more bytes. */
  consume(bytes: number): number {
    const now = this.#now()
    this.#tokens = Math.min(
      this.bytesPerSec,
      this.#tokens + ((now - this.#last) * this.bytesPerSec) / 1000,
    )
    this.#last = now
    this.#tokens -= bytes
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.bytesPerSec)
  }
}
