/**
 * Whether a QuickJS run whose worker was lost starts over on a new worker. Pure: the sandbox gathers the
 * facts, this decides.
 */

/** Attempts of one run, each after its worker was terminated for another sandbox's run. */
export const MAX_ATTEMPTS = 16

export interface WorkerLossFacts {
  /** Attempts made before this one (0 for the first). */
  attempt: number
  /** The run's own deadline had passed when the worker was lost. */
  overdue: boolean
  /** The run's guest code was the code executing when the worker was lost (then it is the cause). */
  wasExecuting: boolean
  /** Host calls the run made: any means something outside the sandbox saw it. */
  hostCalls: number
  /** An image of the state before the run was kept (or the state was fresh). */
  stateKnown: boolean
}

/**
 * A run whose worker was terminated for another sandbox's run starts over on a new worker, from the image
 * taken before it, as if it had waited: only if it was not the code executing (that one is the cause),
 * made no host call (nothing outside the sandbox saw it), the state before it is known and its own
 * deadline has not passed. Each loss is another run's termination, so the attempts are bounded by those
 * and by the deadline (MAX_ATTEMPTS is a backstop).
 */
export function mayRetryAfterWorkerLoss(facts: WorkerLossFacts): boolean {
  return (
    facts.attempt + 1 < MAX_ATTEMPTS &&
    !facts.overdue &&
    !facts.wasExecuting &&
    facts.hostCalls === 0 &&
    facts.stateKnown
  )
}
