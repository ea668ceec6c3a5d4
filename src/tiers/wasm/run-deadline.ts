/**
 * The host-side limits of one run: a wall-clock deadline, a CPU budget (the same clock, paused while the guest
 * waits for host calls, since a blocked worker burns no CPU) and abort signals (the caller's, the sandbox's
 * close). The first reason to fire wins; `onStop` terminates the worker.
 */

export type StopReason = 'timeout' | 'cpu' | 'cancelled'

export interface RunDeadlineOptions {
  timeoutMs: number
  cpuTimeMs: number
  /** Any of them aborting cancels the run. */
  signals: readonly (AbortSignal | undefined)[]
  onStop: (reason: StopReason) => void
}

export class RunDeadline {
  readonly #onStop: (reason: StopReason) => void
  readonly #signals: readonly (AbortSignal | undefined)[]
  readonly #onAbort = (): void => this.#stop('cancelled')
  readonly #wallTimer: NodeJS.Timeout
  /** Absolute `Date.now()` time of the wall-clock deadline. */
  readonly deadline: number
  #cpuLeftMs: number
  #cpuTimer: NodeJS.Timeout | undefined
  #cpuSince = 0
  #paused = 0
  reason: StopReason | undefined

  constructor({ timeoutMs, cpuTimeMs, signals, onStop }: RunDeadlineOptions) {
    this.#onStop = onStop
    this.#signals = signals
    this.deadline = Date.now() + timeoutMs
    this.#wallTimer = setTimeout(() => this.#stop('timeout'), timeoutMs)
    this.#wallTimer.unref()
    // A CPU budget at or above the wall limit can never fire first.
    this.#cpuLeftMs = cpuTimeMs < timeoutMs ? cpuTimeMs : Number.POSITIVE_INFINITY
    this.#startCpu()
    for (const signal of signals) {
      if (signal?.aborted === true) queueMicrotask(this.#onAbort)
      else signal?.addEventListener('abort', this.#onAbort, { once: true })
    }
  }

  /** Milliseconds of wall time left. */
  remaining(): number {
    return Math.max(0, this.deadline - Date.now())
  }

  /** The guest is blocked on a host call: its CPU clock stops. */
  pauseCpu(): void {
    if (this.#paused++ > 0 || this.#cpuTimer === undefined) return
    clearTimeout(this.#cpuTimer)
    this.#cpuTimer = undefined
    this.#cpuLeftMs -= performance.now() - this.#cpuSince
  }

  resumeCpu(): void {
    if (--this.#paused > 0) return
    this.#paused = 0
    this.#startCpu()
  }

  dispose(): void {
    clearTimeout(this.#wallTimer)
    if (this.#cpuTimer !== undefined) clearTimeout(this.#cpuTimer)
    for (const signal of this.#signals) signal?.removeEventListener('abort', this.#onAbort)
  }

  #startCpu(): void {
    if (!Number.isFinite(this.#cpuLeftMs) || this.reason !== undefined) return
    this.#cpuSince = performance.now()
    this.#cpuTimer = setTimeout(() => this.#stop('cpu'), Math.max(0, this.#cpuLeftMs))
    this.#cpuTimer.unref()
  }

  #stop(reason: StopReason): void {
    // The first termination reason wins.
    if (this.reason !== undefined) return
    this.reason = reason
    this.dispose()
    this.#onStop(reason)
  }
}
