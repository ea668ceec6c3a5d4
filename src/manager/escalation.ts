/**
 * When an in-process run must move to a container, and when it must not. Pure: tested as a table.
 *
 * A QuickJS run escalates when it needs a Node capability (fs, child_process, process, …) or uses up the
 * in-process CPU budget (QuickJS interprets at ~17× node's time; a container's node JITs). A pywasm run
 * escalates when the code needs what WASI lacks (subprocess, sockets, threads, ctypes, a package not in the
 * standard library: ERR_CAPABILITY_REQUIRED from the tier) or uses up the budget (CPython on WASI runs at
 * 1.5–8× native CPython's time). It is re-run only
 * if the first attempt had no side effects the re-run would repeat: no host function call, no network
 * request.
 *
 * A sandbox whose guest holds state (globals of earlier runs, a restored or forked state) has no budget: a
 * container re-run would start without that state and answer differently, so such a run stays in process
 * up to the caller's own limits. It still moves for a capability (in process it could only fail), marked
 * `stateCarried: false`, and a missing name there says that the globals stayed behind.
 */
import type { ResolvedConfig } from '../config.js'
import type { ErrorCode } from '../errors.js'
import type { RunContext } from '../tiers/tier.js'
import type { ExecResult, ResultError, TierId } from '../types.js'
import { containerTierFor } from './router.js'

export type EscalationDecision =
  | { kind: 'none' }
  | { kind: 'escalate'; to: TierId; reason: string }
  | { kind: 'refused'; reason: string; why: string }

/** Whether the run may escalate at all: auto mode, escalation on, an in-process tier. */
export function mayEscalate(tier: TierId, config: ResolvedConfig): boolean {
  return config.type === 'auto' && config.escalate && (tier === 'quickjs' || tier === 'pywasm')
}

/**
 * @param cpuBudgetMs the in-process CPU budget the manager gave the run (inProcessBudget), if any: a run
 *   stopped for CPU under it was stopped by the budget, which is tighter than the caller's cpuTime.
 */
export function decideEscalation(
  tier: TierId,
  config: ResolvedConfig,
  result: ExecResult,
  cpuBudgetMs?: number,
): EscalationDecision {
  if (!mayEscalate(tier, config)) return { kind: 'none' }
  const reason = escalationReason(result, cpuBudgetMs)
  if (!reason) return { kind: 'none' }
  const hostFunctions = Object.keys(config.hostFunctions)
  if (hostFunctions.length > 0)
    return {
      kind: 'refused',
      reason,
      why: `not re-run on a container: host functions (${hostFunctions.join(', ')}) are only available in process`,
    }
  const { hostCalls, requests, deniedRequests } = result.usage
  if (hostCalls > 0 || requests > 0 || deniedRequests > 0)
    return {
      kind: 'refused',
      reason,
      why: `not re-run on a container: the first attempt already had side effects (${hostCalls} host calls, ${requests + deniedRequests} network requests) that a re-run would repeat`,
    }
  return { kind: 'escalate', to: containerTierFor(config.trust), reason }
}

function escalationReason(result: ExecResult, cpuBudgetMs: number | undefined): string | undefined {
  const details = result.error?.details as { capability?: unknown } | undefined
  if (result.error?.code === 'ERR_CAPABILITY_REQUIRED' && typeof details?.capability === 'string')
    return `capability:${details.capability}`
  if (result.status === 'cpu' && cpuBudgetMs !== undefined) return 'cpu-budget'
  return undefined
}

/**
 * A run stopped by the in-process CPU budget says so in `error.details.budgetMs` (the caller's cpuTime was
 * not what stopped it), whether it then escalates or not.
 */
export function withBudget(result: ExecResult, cpuBudgetMs: number | undefined): ExecResult {
  if (result.status !== 'cpu' || cpuBudgetMs === undefined || !result.error) return result
  return { ...result, error: { ...result.error, details: { budgetMs: cpuBudgetMs } } }
}

/**
 * The first attempt's result when its escalation could not start (no engine, no image): its error names
 * the failure and keeps it whole as `cause`.
 */
export function escalationFailed(first: ExecResult, to: TierId, failure: unknown): ExecResult {
  if (!first.error) return first
  const cause = causeOf(failure)
  const message = `${first.error.message}; escalation to ${to} failed: ${cause.message}`
  return { ...first, error: { ...first.error, message, cause } }
}

function causeOf(failure: unknown): ResultError {
  if (!(failure instanceof Error)) return { name: 'Error', message: String(failure) }
  const code = (failure as { code?: unknown }).code
  const cause: ResultError = { name: failure.name, message: failure.message }
  if (typeof code === 'string' && code.startsWith('ERR_')) cause.code = code as ErrorCode
  if (failure.cause !== undefined) cause.cause = causeOf(failure.cause)
  return cause
}

/** The CPU budget to give an in-process run, when it is tighter than the caller's own CPU limit. */
export function inProcessBudget(tier: TierId, config: ResolvedConfig): number | undefined {
  if (!mayEscalate(tier, config)) return undefined
  return config.inProcessCpuBudgetMs < config.cpuTimeMs ? config.inProcessCpuBudgetMs : undefined
}

/**
 * The run's context without the in-process CPU budget, for a run of a sandbox that holds state: the budget
 * only exists to move a run to a container, and this one's globals could not follow it there.
 * Named fields, not a spread (V8's slow path: run-attempts.ts).
 */
export function withoutBudget(context: RunContext): RunContext {
  return {
    notAfterMs: context.notAfterMs,
    lastRun: context.lastRun,
    onSideEffect: context.onSideEffect,
    onRunning: context.onRunning,
    onCancelable: context.onCancelable,
  }
}

/** What a guest's missing name is called, by tier language: JavaScript and Python. */
const MISSING_NAME_ERRORS = new Set(['ReferenceError', 'NameError', 'UnboundLocalError'])

/**
 * The container attempt's result of a capability escalation from a sandbox that held state: a name it
 * did not find (x is not defined) says that the sandbox's earlier globals did not move with the run, which
 * the guest's own message cannot know.
 */
export function withStateNote(result: ExecResult, from: TierId, to: TierId): ExecResult {
  const error = result.error
  if (result.status !== 'error' || !error || !MISSING_NAME_ERRORS.has(error.name)) return result
  const note = `the sandbox's earlier globals stayed in ${from}: this run moved to ${to}, which has none of them (state does not move to a container)`
  return { ...result, error: { ...error, message: `${error.message}; ${note}` } }
}
