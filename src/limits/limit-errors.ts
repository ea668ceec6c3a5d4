/**
 * The error of a run that ended on a limit or a cancel, the same on every tier: one name, one code and one
 * text per outcome, so a caller can match on `error.name` (or `error.code`) without knowing where the run
 * went. The tier adds what only it knows in `details` (a wasm trap's frames, a backstop's measured usage).
 */
import type { ResultError } from '../types.js'

const MiB = 1024 * 1024

export function timeoutError(limitMs: number): ResultError {
  return {
    name: 'TimeoutError',
    message: `The run exceeded its wall-clock limit of ${limitMs} ms`,
    code: 'ERR_TIMEOUT',
  }
}

export function cpuError(limitMs: number): ResultError {
  return {
    name: 'CpuLimitExceeded',
    message: `The run exceeded its CPU time limit of ${limitMs} ms`,
    code: 'ERR_CPU',
  }
}

/** `why` says what ran out when the tier knows it (e.g. "allocation failed"). */
export function memoryError(limitBytes: number, why?: string): ResultError {
  const size = limitBytes % MiB === 0 ? `${limitBytes / MiB} MiB` : `${limitBytes} bytes`
  return {
    name: 'MemoryLimitExceeded',
    message: `The run exceeded its memory limit of ${size}${why ? ` (${why})` : ''}`,
    code: 'ERR_MEMORY',
  }
}

export function outputError(maxOutputBytes: number): ResultError {
  return {
    name: 'OutputLimitExceeded',
    message: `Output exceeded maxOutputBytes (${maxOutputBytes} bytes)`,
    code: 'ERR_OUTPUT',
  }
}

export function cancelledError(): ResultError {
  return { name: 'CancelledError', message: 'The run was cancelled', code: 'ERR_CANCELLED' }
}

/** The run's value (its JSON) alone is over the output cap: it counts against maxOutputBytes like output. */
export function resultTooLargeError(maxOutputBytes: number): ResultError {
  return {
    name: 'OutputLimitExceeded',
    message: `The result is larger than maxOutputBytes (${maxOutputBytes} bytes)`,
    code: 'ERR_OUTPUT',
  }
}

/**
 * The run's files would have grown past `limits.diskSpace`. Reported like a container's pids limit: the call
 * that would pass it fails in the guest (ENOSPC), and the run ends 'error' with this error.
 */
export function diskSpaceError(limitBytes: number): ResultError {
  const size = limitBytes % MiB === 0 ? `${limitBytes / MiB} MiB` : `${limitBytes} bytes`
  return {
    name: 'ResourceExceededError',
    message: `Resource "diskSpace" exceeded: the run's files may grow by at most ${size}`,
    code: 'ERR_RESOURCE_EXCEEDED',
  }
}

/** The limits a run was held to, in the units the errors name. */
export interface EnforcedLimits {
  timeoutMs: number
  cpuTimeMs: number
  memoryLimitBytes: number
  maxOutputBytes: number
}

export type LimitStatus = 'timeout' | 'cpu' | 'memory' | 'output' | 'cancelled'

/** The error of a run that ended with `status`, naming the limit it broke. */
export function limitError(status: LimitStatus, limits: EnforcedLimits): ResultError {
  switch (status) {
    case 'timeout':
      return timeoutError(limits.timeoutMs)
    case 'cpu':
      return cpuError(limits.cpuTimeMs)
    case 'memory':
      return memoryError(limits.memoryLimitBytes)
    case 'output':
      return outputError(limits.maxOutputBytes)
    case 'cancelled':
      return cancelledError()
  }
}
