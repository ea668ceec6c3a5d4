/**
 * Ends a run whole: after its deadline or another limit, and after its normal end too, every process it
 * started must be gone — processes it detached (setsid, double fork, a zombie leader whose threads still
 * run) included — while the container's own processes (init and its main command) and files stay.
 *
 * First the in-sandbox killer (kill-run.sh: SIGSTOP then SIGKILL to every process outside init's session,
 * in rounds, until a scan finds none alive). Then the check: under runc the host's own census of the
 * container's cgroup (process-census.ts), which nothing in the sandbox can fool; under runsc the killer's
 * final scan, made by a fresh exec after the kill. If the killer cannot run (a fork bomb exhausted the pids
 * limit), does not finish in time, or the check finds a survivor, the container is SIGKILLed through the API
 * and the sandbox gets a new one — which the run's result reports (sandbox-reset.ts).
 */
import type Dockerode from 'dockerode'
import { killContainer } from './container-lifecycle.js'
import { inspectExec, startExec } from './exec-stream.js'
import { HARNESS_DIR } from './guest-command.js'
import type { ProcessCensus } from './process-census.js'

/** How ending a run's processes went. */
export type TerminationOutcome =
  /** Nothing of the run was left (the host census saw only the container's own processes). */
  | 'clean'
  /** Every process of the run is gone; the container lives on. */
  | 'cleaned'
  /** The container was killed: the sandbox needs a new one. */
  | 'container-killed'
  /** Neither worked (the engine is gone or wedged). */
  | 'failed'

/**
 * Budgets within the 2 s the tier promises after a limit: the in-sandbox killer, then the API kill of the
 * whole container (the run's stream gets the remaining 200 ms, see container-run.ts).
 */
export const KILLER_BUDGET_MS = 900
export const CONTAINER_KILL_BUDGET_MS = 700

/** Pauses between census reads after the killer: a killed process may take a moment to leave the cgroup. */
const CENSUS_RETRY_MS = [0, 20, 50, 100]

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Runs kill-run.sh; true when it ran to its end and its final scan found no process of the run alive.
 * `onStopped` runs once the run's processes are stopped (the killer says so on stdout) or the killer ended.
 */
async function runKiller(
  container: Dockerode.Container,
  onStopped: () => void,
  sparePid: number | undefined,
): Promise<boolean> {
  const started = Date.now()
  const spare = sparePid === undefined ? [] : [String(sparePid)]
  try {
    const handle = await startExec(
      container,
      { cmd: ['sh', `${HARNESS_DIR}/kill-run.sh`, ...spare], callTimeoutMs: KILLER_BUDGET_MS },
      (stream) => {
        if (stream === 'stdout') onStopped()
      },
    )
    const remaining = KILLER_BUDGET_MS - (Date.now() - started)
    const end = await within(handle.ended, Math.max(remaining, 1))
    onStopped()
    if (end === undefined) {
      handle.detach()
      return false
    }
    const state = await inspectExec(
      handle.exec,
      Math.max(KILLER_BUDGET_MS - (Date.now() - started), 200),
    )
    return !state.running && state.exitCode === 0
  } catch {
    return false
  }
}

/** True when the host census finds only the container's own processes (within a few short retries). */
async function censusClean(census: ProcessCensus): Promise<boolean> {
  for (const pauseMs of CENSUS_RETRY_MS) {
    if (pauseMs > 0) await sleep(pauseMs)
    const strangers = await census.strangers()
    if (strangers === undefined) return false
    if (strangers.length === 0) return true
  }
  return false
}

export interface EndRunOptions {
  /** The host census of a runc container; undefined where there is none (runsc, remote engine). */
  census: ProcessCensus | undefined
  /** The run ended by itself: when the census sees nothing of it left, no killer is needed. */
  normalEnd: boolean
  /** The pids cgroup refused forks during the run: the killer could not even start, kill the container. */
  pidsExhausted: boolean
  /**
   * Called once the run's processes are stopped (the killer's first round), or the killer is over, or the
   * container kill is about to be sent. A run's stream paused at the output cap must be let go then and not
   * before: the engine waits for an exec's output to drain before it handles that exec's exit (and holds up
   * the killer's own exec behind it), while letting go earlier lets a flood stream on until it is stopped.
   */
  onKillStarted?: (() => void) | undefined
  /**
   * A session's live interpreter, by its pid in the container: the killer spares it (a normal end only; a
   * limit ends the session with the run). The census given with it already leaves its host pid out.
   */
  sparePid?: number | undefined
}

/** Kills every process of the current run and checks that none is left; see TerminationOutcome. */
export async function endRun(
  container: Dockerode.Container,
  { census, normalEnd, pidsExhausted, onKillStarted, sparePid }: EndRunOptions,
): Promise<TerminationOutcome> {
  if (normalEnd && census && (await census.strangers())?.length === 0) return 'clean'
  let notified = false
  const started = (): void => {
    if (!notified) onKillStarted?.()
    notified = true
  }
  if (!pidsExhausted) {
    const killed = await runKiller(container, started, sparePid)
    // Under runc the host's census decides, whatever the killer said; under runsc the killer's own scan.
    if (census ? await censusClean(census) : killed) return 'cleaned'
  }
  started()
  return (await killContainer(container, CONTAINER_KILL_BUDGET_MS)) ? 'container-killed' : 'failed'
}
