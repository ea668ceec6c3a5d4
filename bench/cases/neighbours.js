/**
 * Neighbours (issue 22): a sandbox's execute('1+1') latency while another sandbox of the same manager floods
 * it with runs, beside the same sandbox with no other load, on a manager with the default workers and on one
 * with a single quickjs worker (where fairness matters most: the neighbour shares the flooder's worker).
 * Quiet and flood blocks alternate in a fresh random order each round, so drift hits both alike. Also
 * execute('1+1') on a persistent sandbox (which sends an image of its state after each run) against
 * runOnce('1+1') (what run() does; last run, no image), interleaved, so the image's cost is visible.
 */
import { SandboxManager } from '../../dist/index.js'
import { FLOOD_CODE, startFlood } from '../lib/flood.js'
import { collect, errorText, interleave, interleaveTicks } from '../lib/interleave.js'
import { shuffled } from '../lib/stats.js'
import { expectOk, timedExecute } from '../lib/tiers.js'

export const title = 'Neighbours: one sandbox while another floods (quickjs)'

/** The two managers: '' has the default quickjs options, '.oneworker' one quickjs worker. */
const SETUPS = {
  '': { label: 'default workers', options: {} },
  '.oneworker': { label: 'one worker', options: { tiers: { quickjs: { workers: 1 } } } },
}

/** A repl/run sample costs ~0.5 ms, a block ~1 s: progress ticks in block units. */
const REPL_TICK = 1 / 1000

const M = (id, label, more = {}) => ({ id, role: 'ours', tier: 'quickjs', label, ...more })

function metasFor(depth) {
  const metas = []
  for (const [s, { label }] of Object.entries(SETUPS)) {
    metas.push(
      M(`nb.quiet${s}`, `neighbour execute('1+1'), no other load (${label})`),
      M(
        `nb.flood${s}`,
        `neighbour execute('1+1') while a flooder keeps ${depth} runs queued (${label})`,
        { floor: `nb.quiet${s}`, refName: `quiet (${label})` },
      ),
      M(`nb.flood${s}.tput`, `flooder's throughput during the flood, per block (${label})`, {
        unit: 'exec/s',
        errorKey: `nb.flood${s}`,
      }),
      M(`nb.flooder.run${s}`, `one flooder run (~2 ms loop), tier send → reply (${label})`, {
        errorKey: `nb.flood${s}`,
      }),
    )
  }
  metas.push(
    M('nb.repl', "execute('1+1') on a persistent sandbox (state image after the run)", {
      floor: 'nb.run',
      refName: "runOnce('1+1')",
    }),
    M('nb.run', "runOnce('1+1'), what run() does (create + last run, no image), same manager"),
  )
  return metas
}

const enabled = (ctx) =>
  ctx.selected('quickjs') && !ctx.skip({ role: 'ours', tier: 'quickjs', id: '' })

export function plan(ctx) {
  if (!enabled(ctx)) return 0
  const p = ctx.preset.neighbours
  const repl = interleaveTicks(['nb.repl', 'nb.run'], p.replRounds, p.replWarmup) * REPL_TICK
  return p.rounds * 2 * Object.keys(SETUPS).length + repl
}

/** A manager with a neighbour and a flooder sandbox, each run once. */
async function setUp(options) {
  const manager = new SandboxManager(options)
  try {
    const neighbour = await manager.createSandbox({ type: 'quickjs' })
    const flooder = await manager.createSandbox({ type: 'quickjs' })
    expectOk(await manager.execute(neighbour, '1+1'), 2, 'neighbour set-up run')
    expectOk(await manager.execute(flooder, FLOOD_CODE), 1, 'flooder set-up run')
    const stats = await manager.stats()
    return { manager, neighbour, flooder, workers: stats.tiers.quickjs?.workers }
  } catch (error) {
    await manager.close()
    throw error
  }
}

/** `p.block` back-to-back executes of the neighbour after `p.blockWarmup` untimed ones. */
async function neighbourSamples(setup, p) {
  const { manager, neighbour } = setup
  for (let i = 0; i < p.blockWarmup; i++)
    await timedExecute(manager, neighbour, '1+1', 2, 'neighbour')
  const out = []
  for (let i = 0; i < p.block; i++)
    out.push(await timedExecute(manager, neighbour, '1+1', 2, 'neighbour'))
  return out
}

/** One block under a flood: the neighbour's samples, the flooder's throughput and its runs' durations. */
async function floodBlock(setup, p) {
  const flood = startFlood(setup.manager, setup.flooder, p.depth)
  let block
  try {
    await flood.settle(p.settleRuns)
    const done0 = flood.done
    const runs0 = flood.durationsMs.length
    const t0 = performance.now()
    const samples = await neighbourSamples(setup, p)
    const runs = flood.durationsMs.slice(runs0)
    // 250 fast samples can take 30 ms, too short a window to count ~2 ms runs in: the flood goes on
    // (without the neighbour, whose runs barely slow it) until the window is p.floodMs long.
    const rest = p.floodMs - (performance.now() - t0)
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest))
    const seconds = (performance.now() - t0) / 1000
    block = {
      samples,
      tput: (flood.done - done0) / seconds,
      runs,
    }
  } finally {
    await flood.stop()
  }
  return block
}

async function replVsRun(ctx, setup, p) {
  const { manager, neighbour } = setup
  const cases = [
    { id: 'nb.repl', fn: () => timedExecute(manager, neighbour, '1+1', 2, 'repl execute') },
    {
      id: 'nb.run',
      fn: async () => {
        const t0 = performance.now()
        const r = await manager.runOnce({}, '1+1')
        const ms = performance.now() - t0
        expectOk(r, 2, 'runOnce')
        return ms
      },
    },
  ]
  const progress = { tick: (n, detail) => ctx.progress.tick(n * REPL_TICK, ` repl/run ${detail}`) }
  return interleave({ cases, rounds: p.replRounds, warmup: p.replWarmup, progress })
}

export async function measure(ctx) {
  const p = ctx.preset.neighbours
  const metas = metasFor(p.depth)
  if (!enabled(ctx))
    return {
      cases: collect(
        metas,
        { samples: new Map(), errors: new Map() },
        (m) => ctx.skip(m) ?? 'quickjs not selected',
      ),
    }
  const setups = {}
  try {
    for (const [s, { options }] of Object.entries(SETUPS)) setups[s] = await setUp(options)
    const outcome = await replVsRun(ctx, setups[''], p)
    const add = (id, values) => {
      if (!outcome.samples.has(id)) outcome.samples.set(id, [])
      outcome.samples.get(id).push(...values)
    }
    const blocks = Object.keys(SETUPS).flatMap((s) => [`nb.quiet${s}`, `nb.flood${s}`])
    for (let round = 0; round < p.rounds; round++) {
      for (const id of shuffled(blocks)) {
        const s = id.replace(/^nb\.(quiet|flood)/, '')
        if (!outcome.errors.has(id)) {
          try {
            if (id.startsWith('nb.quiet')) add(id, await neighbourSamples(setups[s], p))
            else {
              const b = await floodBlock(setups[s], p)
              add(id, b.samples)
              add(`nb.flood${s}.tput`, [b.tput])
              add(`nb.flooder.run${s}`, b.runs)
            }
          } catch (error) {
            outcome.errors.set(id, errorText(error))
          }
        }
        ctx.progress.tick(1, ` round ${round + 1}/${p.rounds}`)
      }
    }
    return {
      rounds: p.rounds,
      block: p.block,
      depth: p.depth,
      floodMs: p.floodMs,
      floodCode: FLOOD_CODE,
      workers: Object.fromEntries(
        Object.entries(setups).map(([s, v]) => [s.slice(1) || 'default', v.workers]),
      ),
      cases: collect(metas, outcome, (m) => ctx.skip(m)),
    }
  } finally {
    await Promise.allSettled(Object.values(setups).map((s) => s.manager.close()))
  }
}
