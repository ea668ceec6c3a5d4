/**
 * The escalation path (issue 6): a CPU-heavy JavaScript job in auto mode (run(code), which may move it to a
 * container once the in-process CPU budget is spent) against QuickJS alone (type 'quickjs', escalate off)
 * and plain node, interleaved, at each job size. Records where auto mode ran it and what it reported.
 */
import { run } from '../../dist/index.js'
import { engineGuard } from '../lib/engine-guard.js'
import { collect, interleave, interleaveTicks } from '../lib/interleave.js'
import { expectOk } from '../lib/tiers.js'
import { FIB_SOURCE, plainNode } from '../lib/workloads.js'

export const title = 'Escalation: a CPU-heavy job in auto mode (ms)'

function metasFor(sizes) {
  return sizes.flatMap((n) => {
    const base = `esc.${n}.node`
    const alone = `esc.${n}.quickjs`
    return [
      {
        id: `esc.${n}.auto`,
        role: 'ours',
        tier: 'quickjs',
        fibN: n,
        label: `run(fib(${n})) in auto mode`,
        floor: alone,
        base,
      },
      {
        id: alone,
        role: 'ours',
        tier: 'quickjs',
        fibN: n,
        label: `run(fib(${n}), { type: 'quickjs', escalate: false })`,
        base,
      },
      {
        id: base,
        role: 'floor',
        tier: 'quickjs',
        fibN: n,
        label: `plain node fib(${n}) (compiled once, warm JIT)`,
      },
    ]
  })
}

const enabled = (ctx) =>
  ctx.selected('quickjs') && !ctx.skip({ role: 'ours', tier: 'quickjs', id: '' })
export const plan = (ctx) =>
  enabled(ctx)
    ? interleaveTicks(metasFor(ctx.preset.escalation.fibNs), ctx.preset.escalation.reps, 1)
    : 0

export async function measure(ctx) {
  const p = ctx.preset.escalation
  const metas = metasFor(p.fibNs)
  if (!enabled(ctx))
    return {
      cases: collect(
        metas,
        { samples: new Map(), errors: new Map() },
        (m) => ctx.skip(m) ?? 'quickjs not selected',
      ),
    }
  const seen = {}
  const fns = {}
  for (const n of p.fibNs) {
    const source = FIB_SOURCE(n)
    const node = plainNode(source)
    const expected = node().value
    const runCase = (key, options) => async () => {
      const t0 = performance.now()
      const r = await run(source, options)
      const ms = performance.now() - t0
      expectOk(r, expected, `escalation ${key}`)
      ;(seen[key] ??= []).push({
        tier: r.tier,
        escalations: r.escalations,
        durationMs: r.durationMs,
        cpuMs: r.usage?.cpuMs,
      })
      return ms
    }
    fns[`esc.${n}.auto`] = runCase(`esc.${n}.auto`, {})
    fns[`esc.${n}.quickjs`] = runCase(`esc.${n}.quickjs`, { type: 'quickjs', escalate: false })
    fns[`esc.${n}.node`] = async () => node().ms
  }
  const cases = metas.map((m) => ({ id: m.id, fn: fns[m.id] }))
  // auto mode may run on gvisor: a failure during an engine restart by another session is an interruption
  const guard = engineGuard(ctx, async () => {})
  const outcome = await interleave({
    cases,
    rounds: p.reps,
    warmup: 1,
    progress: ctx.progress,
    guard,
  })
  const where = Object.fromEntries(
    p.fibNs.map((n) => {
      const runs = seen[`esc.${n}.auto`] ?? []
      return [
        n,
        {
          ranOn: [...new Set(runs.map((r) => r.tier))],
          escalations: runs.at(-1)?.escalations ?? [],
        },
      ]
    }),
  )
  return {
    fibNs: p.fibNs,
    reps: p.reps,
    autoRanOn: where,
    runs: seen,
    cases: collect(metas, outcome, (m) => ctx.skip(m)),
  }
}
