/**
 * The time and cancellation bounds of one guest fetch: a single AbortSignal that fires at the run's
 * cancellation, at the run's deadline, or at `requestTimeoutMs`, whichever comes first, with a reason that
 * says which.
 */
import { ResourceExceededError, SandboxError, isSandboxError } from '../errors.js'

/** Something that knows how many ms a run has left (limits/deadline.ts's RunDeadline fits). */
export interface DeadlineLike {
  remaining(): number
}

/** The run-level bounds a request inherits. */
export interface RequestScopeOptions {
  /** The run's cancellation: aborts DNS, connection and body reading. */
  signal?: AbortSignal
  /** The run's deadline: an absolute `Date.now()` time in ms, or an object with `remaining()` in ms. */
  deadline?: number | DeadlineLike
}

/** An open scope; `close()` clears its timer and listeners (call it in `finally`). */
export interface RequestScope {
  /**
   * Aborts with `ResourceExceededError('request_time' | 'wall')` on timeout, or with the run signal's reason
   * (a SandboxError, else an `ERR_CANCELLED` SandboxError) on cancellation.
   */
  signal: AbortSignal
  close(): void
}

/**
 * Opens the scope of one request.
 * @throws the cancellation error when the run signal is already aborted, and
 *   `ResourceExceededError('wall')` when the deadline has already passed.
 */
export function openRequestScope(
  requestTimeoutMs: number,
  options: RequestScopeOptions,
): RequestScope {
  const outer = options.signal
  if (outer?.aborted === true) throw cancellation(outer.reason)
  const deadlineMs = remainingMs(options.deadline)
  const byDeadline = deadlineMs < requestTimeoutMs
  const budgetMs = Math.max(0, Math.min(requestTimeoutMs, deadlineMs))
  const timeoutError = (usedMs: number): ResourceExceededError =>
    byDeadline
      ? new ResourceExceededError('wall', usedMs, budgetMs)
      : new ResourceExceededError('request_time', usedMs, requestTimeoutMs)
  if (budgetMs <= 0) throw timeoutError(0)
  const controller = new AbortController()
  const started = performance.now()
  const timer = setTimeout(
    () => controller.abort(timeoutError(Math.round(performance.now() - started))),
    budgetMs,
  )
  // The request's own socket or resolver keeps the process alive; the timer only bounds them.
  timer.unref()
  const onOuterAbort = (): void => controller.abort(cancellation(outer?.reason))
  outer?.addEventListener('abort', onOuterAbort, { once: true })
  return {
    signal: controller.signal,
    close: () => {
      clearTimeout(timer)
      outer?.removeEventListener('abort', onOuterAbort)
    },
  }
}

function remainingMs(deadline: RequestScopeOptions['deadline']): number {
  if (deadline === undefined) return Number.POSITIVE_INFINITY
  return typeof deadline === 'number' ? deadline - Date.now() : deadline.remaining()
}

function cancellation(reason: unknown): SandboxError {
  return isSandboxError(reason)
    ? reason
    : new SandboxError('ERR_CANCELLED', 'Network request cancelled', { cause: reason })
}
