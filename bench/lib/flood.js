/**
 * A flooding tenant (issue 22): one sandbox that keeps `depth` runs submitted at all times, each a short busy
 * loop, by submitting a new run whenever one ends. The manager serializes a sandbox's runs, so only one of
 * them is admitted at a time; the rest wait for their turn. Counts the runs that ended and their durations,
 * so a window of the flood gives the flooder's throughput and the length of one of its runs.
 */

/** ~2 ms of guest CPU that leaves no global behind. */
export const FLOOD_CODE = '{ const t = Date.now(); while (Date.now() - t < 2) {} } 1'

/**
 * Starts the flood on sandbox `id` of `manager`. → { done, durationsMs, stop() }: `done` counts runs ended
 * ok, `durationsMs` their ExecResult.durationMs (tier send → reply); stop() lets the submitted runs drain
 * and rejects if any run failed or ended other than ok.
 */
export function startFlood(manager, id, depth) {
  const state = { done: 0, durationsMs: [], inFlight: 0, stopping: false, failure: undefined }
  let drained
  const idle = new Promise((resolve) => (drained = resolve))
  /** settle() waiters: [runs done to wait for, resolve]. */
  let waiters = []
  const ended = () => {
    state.inFlight--
    waiters = waiters.filter(([target, resolve]) =>
      state.done >= target || state.failure ? void resolve() : true,
    )
    if (!state.stopping && !state.failure) submit()
    else if (state.inFlight === 0) drained()
  }
  const submit = () => {
    state.inFlight++
    manager.execute(id, FLOOD_CODE).then(
      (r) => {
        if (r.status !== 'ok' || r.value !== 1)
          state.failure ??= new Error(`flooder run: status ${r.status} ${r.error?.message ?? ''}`)
        else {
          state.done++
          state.durationsMs.push(r.durationMs)
        }
        ended()
      },
      (error) => {
        state.failure ??= error
        ended()
      },
    )
  }
  for (let i = 0; i < depth; i++) submit()
  return {
    get done() {
      return state.done
    },
    durationsMs: state.durationsMs,
    /** Resolves once `n` more runs have ended (the flood is under way). */
    settle(n) {
      return new Promise((resolve) => waiters.push([state.done + n, resolve]))
    },
    async stop() {
      state.stopping = true
      if (state.inFlight > 0) await idle
      if (state.failure) throw state.failure
    },
  }
}
