/**
 * The only ExecResult constructor. Every tier hands it the facts of a run (its status, output, value, error
 * and what it measured) and gets the one result shape back, so a field cannot drift between tiers.
 */
import {
  emptyUsage,
  type Escalation,
  type ExecResult,
  type ExecStatus,
  type ResultError,
  type TierId,
  type Usage,
} from '../types.js'

/** What a tier knows about a finished run. */
export interface RunOutcome {
  tier: TierId
  status: ExecStatus
  durationMs: number
  stdout?: string
  stderr?: string
  /** The run's JSON-safe value; left out of the result when undefined. */
  value?: unknown
  error?: ResultError | undefined
  /** @default 0 for 'ok', else 1 (in-process tiers); a container run gives its process's (or null). */
  exitCode?: number | null
  /** What the tier measured; `wallMs` defaults to `durationMs`. */
  usage?: Partial<Usage>
  /** Output was cut at maxOutputBytes. */
  truncated?: boolean | undefined
  escalations?: Escalation[]
}

export function execResult(outcome: RunOutcome): ExecResult {
  const { status, durationMs } = outcome
  const result: ExecResult = {
    status,
    stdout: outcome.stdout ?? '',
    stderr: outcome.stderr ?? '',
    exitCode: outcome.exitCode === undefined ? (status === 'ok' ? 0 : 1) : outcome.exitCode,
    tier: outcome.tier,
    durationMs,
    usage: { ...emptyUsage(), wallMs: durationMs, ...outcome.usage },
    escalations: outcome.escalations ?? [],
  }
  if (outcome.value !== undefined) result.value = outcome.value
  if (outcome.error !== undefined) result.error = outcome.error
  if (outcome.truncated === true) result.truncated = true
  return result
}
