/** Builds the wasm tier's ExecResults: runs, compile failures, and runs stopped before they started. */
import { cancelledError, timeoutError } from '../../limits/limit-errors.js'
import type { ExecResult, ExecStatus, ResultError, Usage } from '../../types.js'
import { emptyUsage } from '../../types.js'
import type { CompileFailure } from './module-provider.js'

export interface ResultParts {
  status: ExecStatus
  value?: unknown
  stdout?: string
  stderr?: string
  exitCode?: number | null
  durationMs: number
  usage?: Partial<Usage>
  error?: ResultError | undefined
  truncated?: boolean
}

export function buildResult(parts: ResultParts): ExecResult {
  const durationMs = round(parts.durationMs)
  const usage: Usage = { ...emptyUsage(), ...parts.usage }
  usage.wallMs = durationMs
  usage.cpuMs = round(usage.cpuMs)
  const result: ExecResult = {
    status: parts.status,
    stdout: parts.stdout ?? '',
    stderr: parts.stderr ?? '',
    exitCode: parts.exitCode ?? (parts.status === 'ok' ? 0 : 1),
    tier: 'wasm',
    durationMs,
    usage,
    escalations: [],
  }
  if (parts.value !== undefined) result.value = parts.value
  if (parts.error !== undefined) result.error = parts.error
  if (parts.truncated === true) result.truncated = true
  return result
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
        error: {
          name: 'CompileError',
          code: 'ERR_CRASHED',
          message: 'The AssemblyScript compiler stopped unexpectedly',
        },
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
