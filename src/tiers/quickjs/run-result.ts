/**
 * The ExecResult of a QuickJS run, from the worker's reply or from how the host ended it (a limit, a
 * cancellation, the loss of its worker or of the sandbox's state).
 */
import {
  cancelledError,
  crashedError,
  sandboxResetError,
  timeoutError,
} from '../../limits/limit-errors.js'
import { execResult } from '../../limits/run-outcome.js'
import type { ExecResult, ExecStatus, ResultError } from '../../types.js'
import type { NormalizedRequest, RunContext } from '../tier.js'
import type { ActiveRun } from './active-run.js'
import type { ExecReply } from './protocol.js'

/** When the run must end (`performance.now()` ms): its own limit, or the caller's earlier end. */
export function runEnd(request: NormalizedRequest, context: RunContext, started: number): number {
  return Math.min(started + request.timeoutMs, context.notAfterMs ?? Infinity)
}

/** A run the worker ran to its end and answered. */
export function replyResult(reply: ExecReply, started: number, run: ActiveRun): ExecResult {
  const { cpuMs, memoryPeakBytes } = reply
  return execResult({
    tier: 'quickjs',
    status: reply.status,
    durationMs: performance.now() - started,
    stdout: reply.stdout,
    stderr: reply.stderr,
    value: reply.valueJson === undefined ? undefined : JSON.parse(reply.valueJson),
    error: reply.error,
    usage: { ...run.networkUsage(), hostCalls: run.hostCalls, cpuMs, memoryPeakBytes },
    truncated: reply.truncated,
  })
}

/** A run the host ended without the worker's answer: 'timeout', 'cancelled' or 'crashed'. */
export function endedResult(
  status: ExecStatus,
  started: number,
  timeoutMs: number,
  run?: ActiveRun,
): ExecResult {
  const durationMs = performance.now() - started
  const usage = { ...run?.networkUsage(), wallMs: durationMs, hostCalls: run?.hostCalls ?? 0 }
  return execResult({
    tier: 'quickjs',
    status,
    durationMs,
    error: statusError(status, timeoutMs),
    usage,
  })
}

/** The run did not start: the sandbox's worker was lost and no image of its state was kept. */
export function stateLostResult(started: number): ExecResult {
  const durationMs = performance.now() - started
  const error = sandboxResetError(
    'The sandbox lost its state because its worker was terminated and no image of it was kept; it has been reset',
  )
  return execResult({
    tier: 'quickjs',
    status: 'crashed',
    durationMs,
    error,
    usage: { wallMs: durationMs, hostCalls: 0 },
  })
}

function statusError(status: ExecStatus, timeoutMs: number): ResultError {
  if (status === 'timeout') return timeoutError(timeoutMs)
  if (status === 'cancelled') return cancelledError()
  return crashedError("The guest worker died during the run; the sandbox's state was reset")
}
