/** Results of runs that end before anything runs in the container (source that does not parse or whose
 * preparation passed the deadline, a signal already aborted, a container found gone): same shape as every
 * other result, with an empty usage receipt. */
import { cancelledError, timeoutError } from '../../limits/limit-errors.js'
import { execResult } from '../../limits/run-outcome.js'
import type { ExecResult, ResultError } from '../../types.js'
import type { ClassifyContext } from './classify-run.js'

export function earlyResult(
  ctx: ClassifyContext,
  status: 'error' | 'cancelled' | 'timeout' | 'crashed',
  error?: ResultError,
): ExecResult {
  const fallback = status === 'timeout' ? timeoutError(ctx.timeoutMs) : cancelledError()
  // Nothing ran: no exit code, and the usage receipt is empty (wallMs 0).
  return execResult({
    tier: ctx.tier,
    status,
    durationMs: Date.now() - ctx.startedAt,
    exitCode: null,
    usage: { wallMs: 0 },
    error: error ?? fallback,
  })
}
