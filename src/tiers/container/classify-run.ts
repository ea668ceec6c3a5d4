/**
 * RunFacts → ExecResult. The order of the checks is the classification policy:
 *   1. a stop we imposed (timeout, cpu, output, cancelled) wins: the first termination reason is the status;
 *   2. the engine went away → 'crashed' (GuestCrashed) with ERR_ENGINE;
 *   3. memory: the cgroup OOM killer fired (runc kills only the offending process, and the exec may even exit
 *      0), the container was OOM-killed (runsc kills the whole sandbox, exit 137), node's heap limit aborted
 *      the process, or Python raised MemoryError;
 *   4. the container itself died → 'crashed'; attributed to the pids limit when the pids cgroup counted a
 *      refused fork (runsc's Sentry dies with exit 2 when it cannot create host threads);
 *   4b. the container's runner broke its channel (killed, stopped, forged frames) → 'crashed';
 *   5. the pids limit refused a fork during an otherwise finished run → 'error' ERR_RESOURCE_EXCEEDED;
 *   6. the harness reported an error (uncaught exception, value not JSON-safe) or the exit code was not 0
 *      → 'error';
 *   7. otherwise 'ok' with the reported value.
 */
import {
  crashedError,
  limitError,
  memoryError,
  pidsError,
  resultTooLargeError,
} from '../../limits/limit-errors.js'
import { execResult } from '../../limits/run-outcome.js'
import type { ExecResult, ExecStatus, ResultError, TierId } from '../../types.js'
import type { RunFacts } from './container-run.js'

export interface ClassifyContext {
  tier: TierId
  startedAt: number
  timeoutMs: number
  cpuTimeMs: number
  maxOutputBytes: number
  pidLimit: number
  memoryLimitBytes: number
}

interface Report {
  value?: unknown
  error?: ResultError
}

function parseReport(text: string | undefined): Report | undefined {
  if (text === undefined) return undefined
  try {
    const parsed = JSON.parse(text) as unknown
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined
  } catch {
    return undefined
  }
}

// Same rule as the QuickJS tier: the value's JSON counts against maxOutputBytes.
function valueBytes(report: Report | undefined): number {
  return report && report.value !== undefined ? Buffer.byteLength(JSON.stringify(report.value)) : 0
}

const NODE_HEAP_OOM =
  /JavaScript heap out of memory|Reached heap limit|Allocation failed - process out of memory/

function isMemoryFailure(facts: RunFacts, report: Report | undefined): boolean {
  if (facts.oomKills > 0 || facts.container?.oomKilled === true) return true
  if (report?.error?.name === 'MemoryError') return true
  return facts.exitCode === 134 && NODE_HEAP_OOM.test(facts.output.stderr)
}

function containerDied(facts: RunFacts): boolean {
  return facts.container !== undefined && (!facts.container.running || facts.container.missing)
}

/**
 * True when the run's container cannot serve the next run: a limit or a survivor forced its kill, the engine
 * went away, or it died. The sandbox then gets a new one, and the result says so (sandbox-reset.ts).
 */
/**
 * The run ended by itself and nothing of it is left (its sweep verified that): no limit stopped it, the runner
 * kept its channel, no OOM kill or pids-limit hit. After one, the container is as the run found it but for
 * files.
 */
export function endedClean(facts: RunFacts): boolean {
  return (
    (facts.sweep === 'clean' || facts.sweep === 'cleaned') &&
    facts.stop === undefined &&
    !facts.runnerLost &&
    facts.oomKills === 0 &&
    facts.pidsLimitHits === 0
  )
}

export function lostContainer(facts: RunFacts): boolean {
  const killed = (outcome: RunFacts['termination']): boolean =>
    outcome === 'container-killed' || outcome === 'failed'
  if (killed(facts.termination) || killed(facts.sweep)) return true
  if (facts.engineError || facts.runnerLost === true) return true
  return containerDied(facts)
}

function classify(
  facts: RunFacts,
  ctx: ClassifyContext,
  report: Report | undefined,
): { status: ExecStatus; error?: ResultError } {
  if (facts.stop) {
    const error = limitError(facts.stop, ctx)
    // A fork bomb under runc ends at the deadline; say what else happened.
    if (facts.pidsLimitHits > 0)
      error.message += ` (the pids limit of ${ctx.pidLimit} refused forks)`
    return { status: facts.stop, error }
  }
  if (facts.engineError) {
    return { status: 'crashed', error: crashedError(facts.engineError.message, 'ERR_ENGINE') }
  }
  if (isMemoryFailure(facts, report)) {
    return { status: 'memory', error: memoryError(ctx.memoryLimitBytes) }
  }
  if (containerDied(facts)) {
    const exit = facts.container?.missing
      ? 'removed'
      : `exit code ${facts.container?.exitCode ?? -1}`
    const cause =
      facts.pidsLimitHits > 0 ? ` after reaching the pids limit (pidLimit ${ctx.pidLimit})` : ''
    return { status: 'crashed', error: crashedError(`The sandbox died (${exit})${cause}`) }
  }
  // The guest killed, stopped or spoke for the container's runner: nothing it reported can be used.
  if (facts.runnerLost === true)
    return {
      status: 'crashed',
      error: crashedError("The sandbox's runner was killed or its channel was tampered with"),
    }
  if (facts.pidsLimitHits > 0) return { status: 'error', error: pidsError(ctx.pidLimit) }
  if (facts.output.reportTooLarge || valueBytes(report) > ctx.maxOutputBytes) {
    return { status: 'output', error: resultTooLargeError(ctx.maxOutputBytes) }
  }
  if (report?.error) {
    const { name, message, stack, code } = report.error
    return { status: 'error', error: { name, message, stack, code: code ?? 'ERR_GUEST' } }
  }
  if (facts.exitCode !== 0) {
    const message = `The process exited with code ${String(facts.exitCode)}`
    return { status: 'error', error: { name: 'ExitError', message, code: 'ERR_GUEST' } }
  }
  return { status: 'ok' }
}

/** Builds the run's ExecResult. */
export function toExecResult(facts: RunFacts, ctx: ClassifyContext): ExecResult {
  const report = parseReport(facts.output.report)
  const { status, error } = classify(facts, ctx, report)
  const usage = {
    wallMs: facts.wallMs,
    cpuMs: facts.cpuMs,
    // A sandbox killed for memory reached its limit, even when its cgroup vanished before the last read.
    memoryPeakBytes:
      status === 'memory'
        ? Math.max(facts.memoryPeakBytes, ctx.memoryLimitBytes)
        : facts.memoryPeakBytes,
  }
  return execResult({
    tier: ctx.tier,
    status,
    durationMs: Date.now() - ctx.startedAt,
    stdout: facts.output.stdout,
    stderr: facts.output.stderr,
    exitCode: facts.exitCode,
    usage,
    value: status === 'ok' ? report?.value : undefined,
    error,
    truncated: facts.output.truncated,
  })
}
