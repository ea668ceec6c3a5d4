/**
 * The deadline of one run, the same on every tier: a wall-clock end on this thread's `performance.now()`
 * clock, and the reason the run was stopped, where the first reason wins (a later stop never overwrites it).
 * The tier keeps only its mechanism (an interrupt handler, a worker's termination, a process-tree kill) and
 * asks this object when to use it.
 */

/** Why a run was stopped from outside the guest: one of its limits, or the caller. */
export type StopReason = 'timeout' | 'cpu' | 'output' | 'cancelled'

export interface RunDeadlineOptions {
  /**
   * An absolute `performance.now()` time the deadline never passes: a limit that counts from an earlier
   * start (the caller's execute(), a parent step) whatever time this step begins.
   */
  notAfterMs?: number
}

/**
 * `R` is the tier's stop reasons: the shared StopReason, plus a reason only that tier has (QuickJS ends a run
 * that needs a Node capability the same way).
 */
export class RunDeadline<R extends string = StopReason> {
  /** The end of the run, in `performance.now()` ms. */
  readonly atMs: number
  /** The limit the deadline enforces, in ms (what a timeout error names). */
  readonly limitMs: number
  #reason: R | undefined

  constructor(limitMs: number, { notAfterMs = Infinity }: RunDeadlineOptions = {}) {
    this.limitMs = limitMs
    this.atMs = Math.min(performance.now() + limitMs, notAfterMs)
  }

  /** The first reason the run was stopped for; undefined while it may go on. */
  get reason(): R | undefined {
    return this.#reason
  }

  /** Milliseconds of wall time left (0 once passed). */
  remaining(): number {
    return Math.max(0, this.atMs - performance.now())
  }

  /** True once the wall-clock end has passed. */
  exceeded(): boolean {
    return performance.now() >= this.atMs
  }

  /**
   * Stops the run for `reason` unless it was already stopped. True when this call set the reason: the
   * caller then starts its mechanism (once per run).
   */
  stop(reason: R): boolean {
    if (this.#reason !== undefined) return false
    this.#reason = reason
    return true
  }

  /**
   * The deadline of a sub-step given at most `limitMs` of its own (a compile, a host call): never later
   * than this one. Its stop reason is its own.
   */
  derive(limitMs: number): RunDeadline<R> {
    return new RunDeadline<R>(limitMs, { notAfterMs: this.atMs })
  }
}
