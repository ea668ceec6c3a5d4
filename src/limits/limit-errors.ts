/**
 * The error of a run that ended on a limit, a cancel, a crash or a reset, the same on every tier: one name,
 * one code and one text per outcome, so a caller can match on `error.name` (or `error.code`) without knowing
 * where the run went. The tier adds what only it knows in `details` (a wasm trap's frames, a backstop's
 * measured usage). Every tier builds these errors here and nowhere else.
 */
import { MiB } from '../config.js'
import type { ErrorCode } from '../errors.js'
import type { StopReason } from './deadline.js'
import type { ResultError } from '../types.js'

function sizeText(limitBytes: number): string {
  return limitBytes % MiB === 0 ? `${limitBytes / MiB} MiB` : `${limitBytes} bytes`
}

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
  return {
    name: 'MemoryLimitExceeded',
    message: `The run exceeded its memory limit of ${sizeText(limitBytes)}${why ? ` (${why})` : ''}`,
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
  return resourceError(
    `Resource "diskSpace" exceeded: the run's files may grow by at most ${sizeText(limitBytes)}`,
  )
}

/** A worker's own JavaScript heap (not the guest's memory) ran out: the run ends 'memory'. */
export function workerHeapError(): ResultError {
  return {
    name: 'MemoryLimitExceeded',
    code: 'ERR_MEMORY',
    message: 'The guest worker ran out of JavaScript heap (workerHeapMb)',
  }
}

/** A run that went over a resource without a status of its own (disk, pids, a container's preparation). */
export function resourceError(message: string): ResultError {
  return { name: 'ResourceExceededError', message, code: 'ERR_RESOURCE_EXCEEDED' }
}

/** The container's pids limit refused a fork during a run that otherwise finished. */
export function pidsError(pidLimit: number): ResultError {
  return resourceError(
    `Resource "pids" exceeded: the sandbox may run at most ${pidLimit} processes`,
  )
}

/**
 * The run's runtime died under it (a worker, a compiler, a container, the engine): status 'crashed', one
 * name on every tier. `message` says what died; `code` is ERR_ENGINE when the container engine went away.
 */
export function crashedError(
  message: string,
  code: Extract<ErrorCode, 'ERR_CRASHED' | 'ERR_ENGINE'> = 'ERR_CRASHED',
  details?: Record<string, unknown>,
): ResultError {
  const error: ResultError = { name: 'GuestCrashed', message, code }
  if (details !== undefined) error.details = details
  return error
}

/**
 * The sandbox lost its state (a QuickJS sandbox whose worker was terminated without an image to rebuild it
 * from, a container that had to be replaced): status 'crashed' unless a limit status says more.
 */
export function sandboxResetError(message: string, details?: Record<string, unknown>): ResultError {
  const error: ResultError = { name: 'SandboxReset', message, code: 'ERR_SANDBOX_RESET' }
  if (details !== undefined) error.details = details
  return error
}

/** QuickJS code needs a Node capability (e.g. 'fs') only a container tier provides. */
export function capabilityError(capability: string): ResultError {
  return {
    name: 'CapabilityRequired',
    message: `The code needs "${capability}", which the quickjs tier does not provide; a container tier does`,
    code: 'ERR_CAPABILITY_REQUIRED',
    details: { capability },
  }
}

/** The limits a run was held to, in the units the errors name. */
export interface EnforcedLimits {
  timeoutMs: number
  cpuTimeMs: number
  memoryLimitBytes: number
  maxOutputBytes: number
}

export type LimitStatus = StopReason | 'memory'

/** The error of a run that ended with `status`, naming the limit it broke. */
export function limitError(status: LimitStatus, limits: EnforcedLimits): ResultError {
  return status === 'memory' ? memoryError(limits.memoryLimitBytes) : stopError(status, limits)
}

/** The error of a run the host stopped for `reason` (RunDeadline's first reason). */
export function stopError(
  reason: StopReason,
  limits: Omit<EnforcedLimits, 'memoryLimitBytes'>,
): ResultError {
  switch (reason) {
    case 'timeout':
      return timeoutError(limits.timeoutMs)
    case 'cpu':
      return cpuError(limits.cpuTimeMs)
    case 'output':
      return outputError(limits.maxOutputBytes)
    case 'cancelled':
      return cancelledError()
  }
}
