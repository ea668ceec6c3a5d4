/**
 * Hedged escalation (issue 17): a heavy set (recursive fib, sorting a million numbers, a large JSON round
 * trip, a regex-heavy parse) in auto mode at both trust levels against plain node (target ≤ 3×); the light
 * set (the run('1+1') family) with hedging on against hedging out of reach (p50 unchanged, containers
 * touched: 0); and the probe-length curve that chose DEFAULT_HEDGE_AFTER_MS. Its own SandboxManager, so its
 * stats() count the containers; heavy code is remembered after its first run (heavy-before), the steady
 * state the heavy figures show (the first, hedged run of each is in `firstRuns`).
 */
import { DEFAULT_HEDGE_AFTER_MS } from '../../dist/config.js'
import { SandboxManager } from '../../dist/index.js'
import { collect, interleave, interleaveTicks } from '../lib/interleave.js'
import { expectOk } from '../lib/tiers.js'
import { plainNode } from '../lib/workloads.js'

export const title =
  'Hedged escalation: heavy jobs in auto mode vs plain node, light runs, probe curve (ms)'

const PRESET = {
  full: { reps: 5, lightRounds: 300, curveReps: 3, probes: [0, 10, 25, 50, 100, 200, 400] },
  quick: { reps: 1, lightRounds: 20, curveReps: 1, probes: [10, 50] },
}

const HEAVY = [
  {
    id: 'fib',
    label: 'recursive fib(38)',
    source:
      '(() => { function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } return fib(38) })()',
  },
  {
    id: 'sort',
    label: 'sort 1e6 numbers',
    source:
      '(() => { let x = 7; const a = new Array(1e6); for (let i = 0; i < a.length; i++) { x = (x * 1103515245 + 12345) % 2147483648; a[i] = x } a.sort((p, q) => p - q); return a[0] + a[a.length - 1] })()',
  },
  {
    id: 'json',
    label: 'JSON round trip of 2e5 objects ×3',
    source:
      '(() => { const items = []; for (let i = 0; i < 2e5; i++) items.push({ id: i, name: "item" + i, tags: ["a", "b"], v: i / 3 }); let n = 0; for (let r = 0; r < 3; r++) n += JSON.parse(JSON.stringify(items)).length; return n })()',
  },
  {
    id: 'regex',
    label: 'regex parse of 5e5 log lines',
    source:
      '(() => { const lines = []; for (let i = 0; i < 5e5; i++) lines.push(`2024-01-${String(i % 28 + 1).padStart(2, "0")} 12:${String(i % 60).padStart(2, "0")}:00 [${i % 7 ? "INFO" : "WARN"}] user=u${i % 1000} took=${i % 500}ms path=/api/v1/items/${i}`); const re = /^(\\d{4})-(\\d{2})-(\\d{2}) (\\d{2}):(\\d{2}):\\d{2} \\[(\\w+)\\] user=(\\w+) took=(\\d+)ms path=(\\S+)$/; let warn = 0, took = 0; for (const l of lines) { const m = re.exec(l); if (m[6] === "WARN") warn++; took += +m[8] } return warn + took })()',
  },
]

const LIGHT = [
  { id: 'one', label: "run('1+1')", source: '1+1' },
  { id: 'json', label: 'run(JSON.stringify({ a: 1 }))', source: 'JSON.stringify({ a: 1 })' },
]

const TRUSTS = ['untrusted', 'trusted']
/** The heavy set's data needs more than the default 64 MiB, in process and in a container alike. */
const HEAVY_MEMORY = 1024 * 1024 * 1024
/** hedgeAfterMs at its maximum (a week): the hedge is never reached, the budget path as before. */
const NEVER_MS = 604_800_000

function heavyMetas() {
  return HEAVY.flatMap((w) => [
    ...TRUSTS.map((trust) => ({
      id: `hedge.${w.id}.auto.${trust}`,
      role: 'ours',
      tier: trust === 'trusted' ? 'docker' : 'gvisor',
      label: `${w.label}: run() in auto mode, ${trust}`,
      base: `hedge.${w.id}.node`,
    })),
    {
      id: `hedge.${w.id}.node`,
      role: 'floor',
      tier: 'quickjs',
      label: `${w.label}: plain node (warm JIT)`,
    },
  ])
}

function lightMetas() {
  return LIGHT.flatMap((w) => [
    {
      id: `hedge.light.${w.id}.on`,
      role: 'ours',
      tier: 'quickjs',
      label: `${w.label}, hedging on`,
    },
    {
      id: `hedge.light.${w.id}.off`,
      role: 'floor',
      tier: 'quickjs',
      label: `${w.label}, hedge never reached (hedgeAfterMs at its maximum)`,
    },
  ])
}

const enabled = (ctx) => ctx.selected('quickjs') && ctx.selected('gvisor') && ctx.selected('docker')
const presetOf = (ctx) => (ctx.opts.quick ? PRESET.quick : PRESET.full)

export const plan = (ctx) => {
  if (!enabled(ctx)) return 0
  const p = presetOf(ctx)
  return (
    interleaveTicks(heavyMetas(), p.reps, 1) +
    interleaveTicks(lightMetas(), p.lightRounds, 10) +
    p.probes.length * CURVE.length * p.curveReps
  )
}

/**
 * Job sizes of the probe curve, as QuickJS alone runs them here (runOnce with type: 'quickjs', p50 of 3):
 * fib(15) ~2 ms, fib(30) ~100 ms, fib(33) ~410 ms, fib(36) ~1.7 s. A probe below a job's own time starts a
 * container for it: waste for the first two, the way out for the last two.
 */
const CURVE = [
  { id: 'light', n: 15 },
  { id: 'medium', n: 30 },
  { id: 'heavy', n: 33 },
  { id: 'heavier', n: 36 },
]

export async function measure(ctx) {
  const p = presetOf(ctx)
  const metas = [...heavyMetas(), ...lightMetas()]
  if (!enabled(ctx))
    return {
      cases: collect(
        metas,
        { samples: new Map(), errors: new Map() },
        () => 'needs the quickjs, docker and gvisor tiers',
      ),
    }
  const manager = new SandboxManager()
  try {
    const seen = {}
    const fns = {}
    for (const w of HEAVY) {
      const node = plainNode(w.source)
      const expected = node().value
      for (const trust of TRUSTS) {
        const id = `hedge.${w.id}.auto.${trust}`
        fns[id] = async () => {
          const t0 = performance.now()
          const r = await manager.runOnce({ trust, memoryLimit: HEAVY_MEMORY }, w.source)
          const ms = performance.now() - t0
          expectOk(r, expected, id)
          ;(seen[id] ??= []).push({ ms: Math.round(ms), tier: r.tier, escalations: r.escalations })
          return ms
        }
      }
      fns[`hedge.${w.id}.node`] = async () => node().ms
    }
    const heavy = await interleave({
      cases: heavyMetas().map((m) => ({ id: m.id, fn: fns[m.id] })),
      rounds: p.reps,
      warmup: 1,
      progress: ctx.progress,
    })
    const containersBefore = await containerSandboxes(manager)
    const escalatedBefore = (await manager.stats()).totals.escalated
    const light = await interleave({
      cases: LIGHT.flatMap((w) => [
        { id: `hedge.light.${w.id}.on`, fn: lightRun(manager, w.source, {}) },
        {
          id: `hedge.light.${w.id}.off`,
          fn: lightRun(manager, w.source, { hedgeAfterMs: NEVER_MS }),
        },
      ]),
      rounds: p.lightRounds,
      warmup: 10,
      progress: ctx.progress,
    })
    const lightContainers = {
      containerSandboxesMade: (await containerSandboxes(manager)) - containersBefore,
      escalated: (await manager.stats()).totals.escalated - escalatedBefore,
    }
    const curve = await probeCurve(ctx, p)
    const outcome = {
      samples: new Map([...heavy.samples, ...light.samples]),
      errors: new Map([...heavy.errors, ...light.errors]),
    }
    return {
      reps: p.reps,
      hedgeAfterMs: DEFAULT_HEDGE_AFTER_MS,
      firstRuns: Object.fromEntries(Object.entries(seen).map(([id, runs]) => [id, runs[0]])),
      steadyEscalations: Object.fromEntries(
        Object.entries(seen).map(([id, runs]) => [id, runs.at(-1)?.escalations]),
      ),
      lightContainers,
      curve,
      cases: collect(metas, outcome, (m) => ctx.skip(m)),
    }
  } finally {
    await manager.close()
  }
}

function lightRun(manager, source, config) {
  return async () => {
    const t0 = performance.now()
    const r = await manager.runOnce(config, source)
    const ms = performance.now() - t0
    if (r.status !== 'ok') throw new Error(`light run: ${r.status}`)
    return ms
  }
}

/** Container sandboxes made so far: the escalation containers of the manager's sandboxes are among them. */
async function containerSandboxes(manager) {
  const { totals } = await manager.stats()
  return totals.escalated
}

/**
 * For each probe length: the median time of each job size in auto mode (trusted: docker), and how many of
 * its runs started a container attempt. Each sample is new code (a counter in a comment), so heavy-before
 * never answers for it: every run pays the probe.
 */
async function probeCurve(ctx, p) {
  const out = {}
  let unique = 0
  for (const hedgeAfterMs of p.probes) {
    const manager = new SandboxManager()
    try {
      await manager.runOnce({ type: 'docker' }, '1') // the docker tier and its warm pool, up
      const row = {}
      for (const job of CURVE) {
        const times = []
        let hedged = 0
        let containerWon = 0
        for (let i = 0; i < p.curveReps; i++) {
          const code = `function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } fib(${job.n}) // ${unique++}`
          const t0 = performance.now()
          const r = await manager.runOnce({ trust: 'trusted', hedgeAfterMs }, code)
          times.push(performance.now() - t0)
          if (r.escalations.some((e) => e.reason === 'hedge')) hedged++
          if (r.tier !== 'quickjs') containerWon++
          ctx.progress?.tick(1, `probe ${hedgeAfterMs} ms, ${job.id}`)
        }
        times.sort((a, b) => a - b)
        row[job.id] = {
          fibN: job.n,
          p50Ms: Math.round(times[Math.floor(times.length / 2)]),
          hedged,
          containerWon,
          runs: times.length,
        }
      }
      out[hedgeAfterMs] = row
    } finally {
      await manager.close()
    }
  }
  return out
}
