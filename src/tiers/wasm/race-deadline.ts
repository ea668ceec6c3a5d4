/** Waiting for something this run does not own (a shared compile, a pooled worker) within its deadline. */

export const CANCELLED = Symbol('cancelled')
export const TIMED_OUT = Symbol('timed out')

/**
 * Waits for `promise` until the signal aborts or `ms` pass. What is waited for is not cancelled (a compile
 * shared with other runs, a worker that will be handed back): this run just stops waiting for it.
 */
export async function raceDeadline<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  ms = Number.POSITIVE_INFINITY,
): Promise<T | typeof CANCELLED | typeof TIMED_OUT> {
  if (signal?.aborted === true) return CANCELLED
  if (ms <= 0) return TIMED_OUT
  let onAbort: (() => void) | undefined
  let timer: NodeJS.Timeout | undefined
  const stopped = new Promise<typeof CANCELLED | typeof TIMED_OUT>((resolve) => {
    onAbort = () => resolve(CANCELLED)
    signal?.addEventListener('abort', onAbort, { once: true })
    if (Number.isFinite(ms)) timer = setTimeout(() => resolve(TIMED_OUT), ms)
  })
  try {
    return await Promise.race([promise, stopped])
  } finally {
    clearTimeout(timer)
    if (onAbort) signal?.removeEventListener('abort', onAbort)
  }
}
