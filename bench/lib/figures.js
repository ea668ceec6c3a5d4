/** Looking figures up in a results object: by id over all sections, their floors, ratios, the headline set. */
import { fmt, fmtRatio } from './stats.js'

export function caseIndex(results) {
  const index = new Map()
  for (const section of Object.values(results.sections))
    for (const c of Object.values(section.cases ?? {})) index.set(c.id, c)
  return index
}

export const stat = (c, key = 'p50') => c?.summary?.[key]

/** KiB as "143 KiB" or "15.8 MiB"; ms as "0.35 ms" or "1.2 s"; exec/s as "1234/s". */
export function fmtValue(x, unit) {
  if (x === undefined || Number.isNaN(x)) return '–'
  // RSS growth per instance below zero is noise around ~0 (GC, worker heaps), not negative memory
  if (unit === 'KiB' && x <= 0) return `≈0 (${fmt(x)} KiB: noise)`
  if (unit === 'KiB') return x >= 1024 ? `${fmt(x / 1024)} MiB` : `${fmt(x)} KiB`
  if (unit === 'exec/s') return `${fmt(x)}/s`
  return x >= 1000 ? `${fmt(x / 1000)} s` : `${fmt(x)} ms`
}

/** "p50 / p99" of a case, or why there is none. */
export function fmtCase(c, { p99 = true } = {}) {
  if (!c) return '–'
  if (c.skipped) return c.skipped
  if (c.error) return `error: ${c.error.slice(0, 80)}`
  if (!c.summary) return c.interrupted ? 'lost to an engine restart' : '–'
  const a = fmtValue(stat(c, 'p50'), c.unit)
  return p99 && c.summary.n > 1 ? `${a} / ${fmtValue(stat(c, 'p99'), c.unit)}` : a
}

/** ours ÷ reference at `key` ("3.1×"), '–' if either is missing. For exec/s the ratio is reference ÷ ours. */
export function ratioTo(index, c, refId, key = 'p50') {
  const ref = index.get(refId)
  if (!c || !ref) return '–'
  if (c.unit === 'KiB' && !(stat(c, key) > 0 && stat(ref, key) > 0)) return '–'
  return c.unit === 'exec/s'
    ? fmtRatio(stat(ref, key), stat(c, key))
    : fmtRatio(stat(c, key), stat(ref, key))
}

/** The headline figures of one tier, by case id (throughput at the highest concurrency of the run). */
export function headlineIds(tier, results) {
  const cMax = Math.max(...(results.sections.throughput?.concurrency ?? [32]))
  const ct = tier === 'docker' || tier === 'gvisor'
  return {
    cold: ct ? `ct.${tier}.cold` : `${tier}.cold`,
    warm: ct ? `ct.${tier}.warm` : `${tier}.warm`,
    memory: ct ? `cmem.${tier}` : `mem.${tier}`,
    cpu: `cpu.${tier}.fib`,
    throughput: `tp.${tier}.c${cMax}`,
    cMax,
  }
}
