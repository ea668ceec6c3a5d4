/**
 * The wasm tier's facts for the shared ExecResult constructor: runs, compile failures, and runs stopped before
 * they started. Times are kept to the microsecond.
 */
import { cancelledError, crashedError, timeoutError } from '../../limits/limit-errors.js'
import { execResult, type RunOutcome } from '../../limits/run-outcome.js'
import type { ExecResult } from '../../types.js'
import type { CompileFailure } from './module-provider.js'

export type ResultParts = Omit<RunOutcome, 'tier'>

export function buildResult(parts: ResultParts): ExecResult {
  const durationMs = round(parts.durationMs)
  const usage = { ...parts.usage, wallMs: durationMs, cpuMs: round(parts.usage?.cpuMs ?? 0) }
  // A null exit code means none was reported: the status says it.
  const exitCode = parts.exitCode ?? undefined
  return execResult({ ...parts, tier: 'wasm', durationMs, usage, exitCode })
}

/**
 * A compile that produced no module: diagnostics for errors, 'timeout' when the run's wall-clock limit
 * (`limitMs`) or the compile's own limit (`compileTimeoutMs`) passed first.
 */
export function compileFailureResult(
  failure: CompileFailure,
  durationMs: number,
  { compileTimeoutMs, limitMs }: { compileTimeoutMs: number; limitMs: number },
): ExecResult {
  switch (failure.reason) {
    case 'diagnostics': {
      const errors = failure.diagnostics.filter((d) => d.severity === 'error')
      const first = errors[0]
      const where = first && first.line > 0 ? `${first.file}:${first.line}:${first.column} - ` : ''
      return buildResult({
        status: 'error',
        durationMs,
        error: {
          name: 'CompileError',
          code: 'ERR_GUEST',
          message: `AssemblyScript compile failed: ${where}${first?.message ?? 'unknown error'}`,
          details: { diagnostics: failure.diagnostics },
        },
      })
    }
    case 'deadline':
      return buildResult({
        status: 'timeout',
        durationMs,
        error: { ...timeoutError(limitMs), details: { phase: 'compile' } },
      })
    case 'timeout':
      return buildResult({
        status: 'timeout',
        durationMs,
        error: {
          name: 'CompileError',
          code: 'ERR_TIMEOUT',
          message: `AssemblyScript compile timed out after ${compileTimeoutMs} ms`,
        },
      })
    case 'cancelled':
      return cancelledResult(durationMs)
    case 'crashed':
      return buildResult({
        status: 'crashed',
        durationMs,
        error: crashedError('The AssemblyScript compiler stopped unexpectedly', 'ERR_CRASHED', {
          phase: 'compile',
        }),
      })
  }
}

/** A run cancelled before its guest started. */
export function cancelledResult(durationMs: number): ExecResult {
  return buildResult({
    status: 'cancelled',
    durationMs,
    error: cancelledError(),
  })
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}
