/**
 * The first sandbox of a fresh process (worker spawn, module load, warm pool boot), interleaved with the
 * same for raw quickjs-emscripten (getQuickJS + context + eval) and an empty node process.
 */
import { fileURLToPath } from 'node:url'
import { runChild } from '../lib/child.js'
import { collect, interleave, interleaveTicks } from '../lib/interleave.js'

export const title = 'First sandbox in a fresh process (ms)'
const CHILD = fileURLToPath(new URL('./first-use-child.js', import.meta.url))

export const METAS = [
  {
    id: 'first.quickjs',
    role: 'ours',
    tier: 'quickjs',
    label: 'quickjs: import + new SandboxManager + create + first execute',
    floor: 'first.floor-qjs',
  },
  {
    id: 'first.quickjs.wall',
    role: 'ours',
    tier: 'quickjs',
    label: '… whole process, spawn to exit',
    floor: 'first.floor-qjs.wall',
    errorKey: 'first.quickjs',
  },
  {
    id: 'first.wasm',
    role: 'ours',
    tier: 'wasm',
    label: 'wasm: import + new SandboxManager + create + first execute (module cached on disk)',
    floor: 'first.floor-qjs',
  },
  {
    id: 'first.wasm.wall',
    role: 'ours',
    tier: 'wasm',
    label: '… whole process, spawn to exit',
    floor: 'first.floor-qjs.wall',
    errorKey: 'first.wasm',
  },
  {
    id: 'first.floor-qjs',
    role: 'floor',
    tier: 'quickjs',
    label: 'quickjs-emscripten: import + getQuickJS + context + eval',
  },
  {
    id: 'first.floor-qjs.wall',
    role: 'floor',
    tier: 'quickjs',
    label: '… whole process, spawn to exit',
    errorKey: 'first.floor-qjs',
  },
  {
    id: 'first.floor-none.wall',
    role: 'floor',
    tier: 'quickjs',
    label: 'empty node process, spawn to exit',
  },
]

const mechs = (ctx) =>
  [
    ['quickjs', 'first.quickjs'],
    ['wasm', 'first.wasm'],
    ['floor-qjs', 'first.floor-qjs'],
    ['floor-none', 'first.floor-none.wall'],
  ].filter(([mech]) => {
    if (mech.startsWith('floor')) return ctx.selected('quickjs') || ctx.selected('wasm')
    return ctx.selected(mech) && ctx.tiers[mech]?.available
  })

export const plan = (ctx) => interleaveTicks(mechs(ctx), ctx.preset.firstUse.rounds)

export async function measure(ctx) {
  const cases = mechs(ctx).map(([mech, id]) => ({
    id,
    fn: async () => {
      const r = await runChild(CHILD, [mech])
      if (mech === 'floor-none') return r.wallMs
      return { [id]: r.total, [`${id}.wall`]: r.wallMs }
    },
  }))
  const outcome = await interleave({
    cases,
    rounds: ctx.preset.firstUse.rounds,
    progress: ctx.progress,
  })
  const metas = METAS.filter(
    (m) => ctx.selected(m.tier) || (m.role === 'floor' && ctx.selected('wasm')),
  )
  return { rounds: ctx.preset.firstUse.rounds, cases: collect(metas, outcome, (m) => ctx.skip(m)) }
}
