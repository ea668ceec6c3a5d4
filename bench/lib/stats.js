/** Nearest-rank percentiles and number formatting, shared by every section (the PERF-FLOORS method). */

/** The p-th percentile by nearest rank: p99 of 300 samples is the 3rd largest, of 30 the largest. */
export function percentile(values, p) {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

/** n, p50, p99, min, max, mean of a list of samples. */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  if (n === 0) return { n: 0, p50: NaN, p99: NaN, min: NaN, max: NaN, mean: NaN }
  return {
    n,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    min: sorted[0],
    max: sorted[n - 1],
    mean: sorted.reduce((s, x) => s + x, 0) / n,
  }
}

export const median = (values) => percentile(values, 50)

/** Three significant digits, no exponent: 0.0412, 1.23, 45.6, 789, 12345. */
export function fmt(x) {
  if (x === undefined || x === null || Number.isNaN(x)) return '–'
  if (!Number.isFinite(x)) return String(x)
  const a = Math.abs(x)
  if (a >= 100) return x.toFixed(0)
  if (a >= 10) return x.toFixed(1)
  if (a >= 1) return x.toFixed(2)
  if (a >= 0.01) return x.toFixed(3)
  if (a === 0) return '0'
  return x.toFixed(4)
}

/** `a / b` as "1.23×", or '–' when either side is missing. */
export function fmtRatio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '–'
  const r = a / b
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`
}

/** Fisher–Yates shuffle of a copy: each round runs the cases in a fresh order. */
export function shuffled(items) {
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a
}

/** Samples rounded to 4 significant digits, to keep the JSON small but re-analysable. */
export const compact = (values) => values.map((v) => Number(v.toPrecision(4)))
