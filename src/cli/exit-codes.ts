/** The CLI's exit code follows the run's status, so scripts can branch on it. */
import type { ExecResult, ExecStatus } from '../types.js'

export const STATUS_EXIT_CODES: Record<Exclude<ExecStatus, 'ok'>, number> = {
  error: 1,
  output: 3,
  crashed: 70,
  timeout: 124,
  cancelled: 130,
  memory: 137,
  cpu: 152,
}

/** 0 for ok (or the guest's own exit code on containers), else the status's code. */
export function exitCodeFor(result: ExecResult): number {
  if (result.status === 'ok') return result.exitCode ?? 0
  if (result.status === 'error' && result.exitCode !== null && result.exitCode > 0)
    return result.exitCode
  return STATUS_EXIT_CODES[result.status]
}

/** Misuse of the CLI itself (bad flags, unreadable file, unavailable tier). */
export const USAGE_EXIT_CODE = 2
