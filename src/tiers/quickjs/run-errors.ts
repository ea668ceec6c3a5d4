/**
 * The error of a QuickJS run whose worker was lost. Limit and cancel errors are shared by every tier
 * (src/limits/limit-errors.ts).
 */
import type { ResultError } from '../../types.js'

export function workerLostError(): ResultError {
  return {
    name: 'GuestCrashed',
    message: "The guest worker died during the run; the sandbox's state was reset",
    code: 'ERR_CRASHED',
  }
}
