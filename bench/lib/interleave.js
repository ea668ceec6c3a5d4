/**
 * Interleaved measurement (PERF-FLOORS "Method and noise"): every round runs each case once, in a freshly
 * shuffled order, so machine drift hits all cases alike; warm-up rounds are thrown away. A case that throws
 * keeps its error (the run then fails) and is dropped after MAX_FAILURES throws: one broken case never stops
 * the others, and a transient failure (an engine restarted by another test) does not lose a whole series.
 */
import { compact, shuffled, summarize } from './stats.js'

export const errorText = (error) =>
  error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error)

const MAX_FAILURES = 3

/** Ticks a call to interleave() will make, for the progress plan. */
export const interleaveTicks = (cases, rounds, warmup = 0) => cases.length * (rounds + warmup)

/**
 * @param cases [{ id, fn, every? }]: fn() resolves to a number (recorded under id) or to { subId: number }
 *   (several timings of one run, e.g. create / create+start); `every: k` runs the case in one round of k.
 * @param guard optional { beforeRound(), classify(error) } (engine-guard.js): failures caused by an engine
 *   restart are kept apart as interruptions and the section's long-lived state is rebuilt
 * @returns { samples: Map<id, number[]>, errors: Map<id, string>, interrupted: Map<id, { runs, last }> }
 */
export async function interleave({ cases, rounds, warmup = 0, progress, guard }) {
  const samples = new Map()
  const errors = new Map()
  const interrupted = new Map()
  const failures = new Map()
  const record = (id, v) => {
    if (!samples.has(id)) samples.set(id, [])
    samples.get(id).push(v)
  }
  for (let round = 0; round < warmup + rounds; round++) {
    await guard?.beforeRound()
    for (const c of shuffled(cases)) {
      const failed = failures.get(c.id) ?? 0
      if (failed < MAX_FAILURES && (!c.every || round % c.every === 0)) {
        try {
          const value = await c.fn()
          if (round >= warmup) {
            if (typeof value === 'number') record(c.id, value)
            else for (const [k, v] of Object.entries(value)) record(k, v)
          }
        } catch (error) {
          if (guard && (await guard.classify(error)) === 'interruption') {
            const runs = (interrupted.get(c.id)?.runs ?? 0) + 1
            interrupted.set(c.id, { runs, last: errorText(error) })
          } else {
            failures.set(c.id, failed + 1)
            errors.set(c.id, `${failed + 1} failed run(s), last: ${errorText(error)}`)
          }
        }
      }
      progress?.tick(1, `round ${round + 1}/${warmup + rounds}`)
    }
  }
  return { samples, errors, interrupted }
}

/**
 * The JSON record of one measured figure. meta: { id, label, role: 'ours' | 'floor' | 'peer', tier?, unit,
 * floor? (id of the case it is judged against), also? (ids of further reference cases), note? }.
 */
export function caseResult(meta, values, error) {
  const out = { unit: 'ms', ...meta }
  if (values && values.length) {
    out.summary = summarize(values)
    out.samples = compact(values)
  }
  if (error) out.error = error
  else if (!values || !values.length) out.error = out.error ?? 'no samples'
  return out
}

/** A case that did not run, with the reason (tier or engine unavailable, peer not installed). */
export const skippedCase = (meta, reason) => ({ unit: 'ms', ...meta, skipped: reason })

/** Case records for every meta, from one interleave() outcome; `skip(meta)` returns a reason or undefined. */
export function collect(metas, outcome, skip = () => undefined) {
  const out = {}
  for (const meta of metas) {
    const reason = skip(meta)
    if (reason) out[meta.id] = skippedCase(meta, reason)
    else {
      const key = meta.errorKey ?? meta.id
      out[meta.id] = caseResult(meta, outcome.samples.get(meta.id), outcome.errors.get(key))
      const lost = outcome.interrupted?.get(key)
      if (lost) {
        out[meta.id].interrupted = lost
        // every run of it fell into an engine restart: nothing measured, but nothing failed either
        if (out[meta.id].error === 'no samples') delete out[meta.id].error
      }
    }
  }
  return out
}
