/**
 * A container sandbox whose container had to be replaced lost its files (/work, /tmp): the result that
 * learns it says so, never silently — the notion of the QuickJS tier's ERR_SANDBOX_RESET.
 *
 * - A run that ended by itself ('ok' or 'error') but left processes nothing could end: 'crashed' with
 *   ERR_SANDBOX_RESET (its value is dropped: the sandbox it ran in is gone).
 * - A run stopped by a limit, or that crashed, keeps its status and code; its error's message says the sandbox
 *   was reset and `error.details.sandboxReset` is true.
 * - A container found gone before a run (stopped or removed from outside): 'crashed' with ERR_SANDBOX_RESET,
 *   and the code did not run.
 */
import { sandboxResetError as resetError } from '../../limits/limit-errors.js'
import type { ExecResult, ResultError } from '../../types.js'

const FILES_GONE =
  'the sandbox was reset: it has a new container and the files written before are gone'

export function sandboxResetError(why: string): ResultError {
  return resetError(`${why}; ${FILES_GONE}`, { sandboxReset: true })
}

/** The result of a run after which the sandbox got a new container. */
export function markReset(result: ExecResult): ExecResult {
  if (result.status === 'ok' || result.status === 'error') {
    const { value: _value, ...rest } = result
    return {
      ...rest,
      status: 'crashed',
      error: sandboxResetError('Processes the run left behind could not be ended'),
    }
  }
  const error: ResultError = result.error ?? { name: 'SandboxReset', message: '' }
  const details =
    typeof error.details === 'object' && error.details !== null ? error.details : undefined
  return {
    ...result,
    error: {
      ...error,
      message: error.message ? `${error.message} (${FILES_GONE})` : FILES_GONE,
      details: { ...details, sandboxReset: true },
    },
  }
}
