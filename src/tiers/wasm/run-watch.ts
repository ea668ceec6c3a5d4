/**
 * The wasm tier's mechanism for one run's limits, host side: a timer at the shared RunDeadline's end, a CPU
 * budget (the same clock, paused while the guest waits for host calls, since a blocked worker burns no CPU)
 * and abort signals (the caller's, the sandbox's close). The deadline keeps the first reason; `onStop`
 * terminates the worker.
 */
import { RunDeadline, type StopReason } from '../../limits/deadline.js'

export interface RunWatchOptions {
  timeoutMs: number
  cpuTimeMs: number
  /** Any of them aborting cancels the run. */
  signals: readonly (AbortSignal | undefined)[]
  onStop: (reason: StopReason) => void
}

export class RunWatch {
  readonly deadline: RunDeadline
  readonly #onStop: (reason: StopReason) => void
  readonly #signals: readonly (AbortSignal | undefined)[]
  readonly #onAbort = (): void => this.#stop('cancelled')
  readonly #wallTimer: NodeJS.Timeout
  #cpuLeftMs: number
  #cpuTimer: NodeJS.Timeout | undefined
  #cpuSince = 0
  #paused = 0

  constructor({ timeoutMs, cpuTimeMs, signals, onStop }: RunWatchOptions) {
    this.#onStop = onStop
    this.#signals = signals
    this.deadline = new RunDeadline(timeoutMs)
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

  /** The first reason the run was stopped for. */
  get reason(): StopReason | undefined {
    return this.deadline.reason
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
    if (!this.deadline.stop(reason)) return
    this.dispose()
    this.#onStop(reason)
  }
}
