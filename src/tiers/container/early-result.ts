/** Results of runs that end before anything runs in the container (TypeScript that does not parse, a signal
 * already aborted): same shape as every other result, with an empty usage receipt. */
import { cancelledError } from '../../limits/limit-errors.js'
import { emptyUsage, type ExecResult, type ResultError } from '../../types.js'
import type { ClassifyContext } from './classify-run.js'

export function earlyResult(
  ctx: ClassifyContext,
  status: 'error' | 'cancelled',
  error?: ResultError,
): ExecResult {
  return {
    status,
    stdout: '',
    stderr: '',
    exitCode: null,
    tier: ctx.tier,
    durationMs: Date.now() - ctx.startedAt,
    usage: emptyUsage(),
    escalations: [],
    error: error ?? cancelledError(),
  }
}
