/**
 * The errors of a QuickJS run that ended on a limit, a cancel or a lost worker. The worker decides most of
 * them (guest-run.ts) and the host the rest (quickjs-sandbox.ts, when the worker had to be terminated):
 * one text per outcome, whichever thread reports it.
 */
import type { ResultError } from '../../types.js'

export function timeoutError(): ResultError {
  return {
    name: 'TimeoutError',
    message: 'The run exceeded its wall-clock limit',
    code: 'ERR_TIMEOUT',
  }
}

export function cancelledError(): ResultError {
  return { name: 'CancelledError', message: 'The run was cancelled', code: 'ERR_CANCELLED' }
}

export function cpuError(cpuLimitMs: number): ResultError {
  return {
    name: 'CpuLimitExceeded',
    message: `The run exceeded its CPU time limit of ${cpuLimitMs} ms`,
    code: 'ERR_CPU',
  }
}

export function outputError(maxOutputBytes: number): ResultError {
  return {
    name: 'OutputLimitExceeded',
    message: `Output exceeded maxOutputBytes (${maxOutputBytes} bytes)`,
    code: 'ERR_OUTPUT',
  }
}

export function workerLostError(): ResultError {
  return {
    name: 'GuestCrashed',
    message: 'The guest worker died during the run',
    code: 'ERR_CRASHED',
  }
}
