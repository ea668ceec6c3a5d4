/**
 * Ends a run that hit a limit: every process it started must be gone, not just the client stream. First the
 * in-sandbox killer (kill-run.sh: SIGSTOP then SIGKILL to everything but init and the container's main
 * process, in rounds until nothing is left), which keeps the container and its files. If that cannot run
 * (a fork bomb exhausted the pids limit, the sandbox is wedged) or does not finish in time, the container is
 * SIGKILLed through the API and the sandbox gets a new one.
 */
import type Dockerode from 'dockerode'
import { killContainer } from './container-lifecycle.js'
import { inspectExec, startExec } from './exec-stream.js'
import { HARNESS_DIR } from './guest-command.js'

/** How a termination ended. */
export type TerminationOutcome =
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

function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

async function runKiller(container: Dockerode.Container): Promise<boolean> {
  const started = Date.now()
  try {
    const handle = await startExec(
      container,
      { cmd: ['sh', `${HARNESS_DIR}/kill-run.sh`], callTimeoutMs: KILLER_BUDGET_MS },
      () => undefined,
    )
    const remaining = KILLER_BUDGET_MS - (Date.now() - started)
    const end = await within(handle.ended, Math.max(remaining, 1))
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

/**
 * Kills every process of the current run; see TerminationOutcome. With `pidsExhausted` (the pids cgroup
 * refused forks during the run) the killer could not even start, so the container is killed at once.
 */
export async function terminateRun(
  container: Dockerode.Container,
  pidsExhausted = false,
): Promise<TerminationOutcome> {
  if (!pidsExhausted && (await runKiller(container))) return 'cleaned'
  return (await killContainer(container, CONTAINER_KILL_BUDGET_MS)) ? 'container-killed' : 'failed'
}
