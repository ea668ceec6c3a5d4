/** Results of runs that end before anything runs in the container (source that does not parse or whose
 * preparation passed the deadline, a signal already aborted, a container found gone): same shape as every
 * other result, with an empty usage receipt. */
import { cancelledError, timeoutError } from '../../limits/limit-errors.js'
import { emptyUsage, type ExecResult, type ResultError } from '../../types.js'
import type { ClassifyContext } from './classify-run.js'

export function earlyResult(
  ctx: ClassifyContext,
  status: 'error' | 'cancelled' | 'timeout' | 'crashed',
  error?: ResultError,
): ExecResult {
  const fallback = status === 'timeout' ? timeoutError(ctx.timeoutMs) : cancelledError()
  return {
    status,
    stdout: '',
    stderr: '',
    exitCode: null,
    tier: ctx.tier,
    durationMs: Date.now() - ctx.startedAt,
    usage: emptyUsage(),
    escalations: [],
    error: error ?? fallback,
  }
}
