/**
 * Start-up of the in-process tiers, interleaved with their floors and peers in one loop: cold start
 * (createSandbox + first execute), warm execute, run() of a small snippet, the wasm tier's first compile;
 * raw quickjs-emscripten, the bare worker, WebAssembly from a cached Module, asc, node:vm.
 */
import { run } from '../../dist/index.js'
import * as F from '../lib/floors.js'
import { measureIsolatedVm, mergeOutcomes } from '../lib/peers.js'
import { collect, interleave, interleaveTicks } from '../lib/interleave.js'
import {
  AS_MAIN,
  coldStartSamples,
  expectOk,
  liveSandboxes,
  timedExecute,
  TIER_CONFIG,
  TRIVIAL,
} from '../lib/tiers.js'

export const title = 'In-process start-up (ms)'

const M = (id, role, tier, label, more = {}) => ({ id, role, tier, label, ...more })
const uniqueAs = () => `${AS_MAIN}\n// ${process.pid}-${Math.random()}`

/** Every figure this section reports; `tier` decides whether it runs (floors follow their tier). */
export const METAS = [
  M('quickjs.cold', 'ours', 'quickjs', "quickjs: createSandbox + first execute('1+1')", {
    floor: 'floor.qjs.rt',
    also: ['floor.worker.rt', 'floor.qjs.module'],
  }),
  M('quickjs.cold.create', 'ours', 'quickjs', '… of which createSandbox', {
    errorKey: 'quickjs.cold',
  }),
  M('quickjs.cold.execute', 'ours', 'quickjs', '… of which first execute', {
    errorKey: 'quickjs.cold',
  }),
  M('quickjs.warm', 'ours', 'quickjs', "quickjs: execute('1+1') on a live sandbox", {
    floor: 'floor.qjs.eval',
    also: ['floor.worker.eval'],
  }),
  M('run', 'ours', 'quickjs', "run('1+1') (auto → quickjs; create + execute + destroy)", {
    floor: 'floor.qjs.rt+dispose',
    also: ['floor.worker.rt'],
    target: { p50: 1, p99: 3 },
  }),
  M('run.b2b', 'ours', 'quickjs', "run('1+1') back to back (blocks of 100 in a row)", {
    floor: 'floor.worker.ping.b2b',
    target: { p50: 1, p99: 3 },
    note: 'blocks alternate with the floor',
  }),
  M(
    'wasm.cold',
    'ours',
    'wasm',
    `wasm: createSandbox + first execute (${TRIVIAL.wasm.label}, compiled module cached)`,
    { floor: 'floor.wasm.instantiate', also: ['floor.worker.wasm'] },
  ),
  M('wasm.cold.create', 'ours', 'wasm', '… of which createSandbox', { errorKey: 'wasm.cold' }),
  M('wasm.cold.execute', 'ours', 'wasm', '… of which first execute', { errorKey: 'wasm.cold' }),
  M(
    'wasm.warm',
    'ours',
    'wasm',
    'wasm: execute on a live sandbox (the tier instantiates per run)',
    { floor: 'floor.wasm.instantiate', also: ['floor.worker.wasm'] },
  ),
  M(
    'wasm.compile',
    'ours',
    'wasm',
    'wasm: createSandbox + first execute of new AS source (compile)',
    { floor: 'floor.asc.compile' },
  ),
  M(
    'floor.qjs.rt',
    'floor',
    'quickjs',
    'quickjs-emscripten: newRuntime + newContext + eval (module loaded)',
  ),
  M('floor.qjs.rt+dispose', 'floor', 'quickjs', '… the same + dispose', {
    errorKey: 'floor.qjs.rt',
  }),
  M(
    'floor.qjs.module',
    'floor',
    'quickjs',
    'quickjs-emscripten: own module (cached WebAssembly.Module) + context + eval',
  ),
  M('floor.qjs.eval', 'floor', 'quickjs', 'quickjs-emscripten: evalCode on a live context'),
  M('floor.worker.ping', 'floor', 'quickjs', 'bare worker_threads postMessage round trip'),
  M(
    'floor.worker.ping.b2b',
    'floor',
    'quickjs',
    'bare worker round trip back to back (blocks of 100 in a row)',
  ),
  M(
    'floor.worker.rt',
    'floor',
    'quickjs',
    'bare worker: round trip + newRuntime + newContext + eval + dispose',
  ),
  M(
    'floor.worker.eval',
    'floor',
    'quickjs',
    'bare worker: round trip + evalCode on a live context',
  ),
  M(
    'floor.wasm.instantiate',
    'floor',
    'wasm',
    'WebAssembly.instantiate(cached Module) + new Memory(1 page) + call',
  ),
  M('floor.wasm.call', 'floor', 'wasm', 'exported wasm function call on a live instance'),
  M(
    'floor.worker.wasm',
    'floor',
    'wasm',
    'bare worker: round trip + instantiate(cached Module) + Memory + call',
  ),
  M(
    'floor.asc.compile',
    'floor',
    'wasm',
    'asc compileString (in-process, -O3, stub runtime) of new source',
  ),
  M('peer.vm.context', 'peer', 'quickjs', "node:vm createContext + runInContext('1+1')"),
  M('peer.vm.warm', 'peer', 'quickjs', "node:vm runInContext('1+1') on a live context"),
  M(
    'peer.ivm.isolate',
    'peer',
    'quickjs',
    'isolated-vm: new Isolate(16 MB) + createContextSync + evalSync (own process)',
    { errorKey: 'peer.ivm.startup' },
  ),
  M(
    'peer.ivm.warm',
    'peer',
    'quickjs',
    "isolated-vm: evalSync('1+1') on a live context (own process)",
    { errorKey: 'peer.ivm.startup' },
  ),
]

/** Measured in back-to-back blocks after the interleaved rounds, not in them. */
const BACK_TO_BACK = ['run.b2b', 'floor.worker.ping.b2b']
const BLOCK = 100
const WARMUP_CALLS = 200
const SETTLE_MS = 500

function activeIds(ctx) {
  return METAS.filter(
    (m) =>
      !m.errorKey &&
      !m.id.startsWith('peer.ivm') &&
      !BACK_TO_BACK.includes(m.id) &&
      ctx.selected(m.tier) &&
      (m.role !== 'ours' || ctx.tiers[m.tier]?.available),
  ).map((m) => m.id)
}

export function plan(ctx) {
  const p = ctx.preset.startup
  const blocks = ctx.selected('quickjs') ? 2 * backToBackBlocks(p) : 0
  return interleaveTicks(activeIds(ctx), p.rounds, p.warmup) + blocks
}

const backToBackBlocks = (p) => Math.max(1, Math.round(p.backToBack / BLOCK))

/**
 * The same snippet many times in a row, as an agent loop evaluates it: the threads stay awake, so this
 * shows our own cost without the wake-up latency of an idle worker that the interleaved rounds include.
 * Blocks of `BLOCK` alternate between run() and the bare worker round trip, so drift hits both alike.
 */
async function backToBack(ctx, worker) {
  const p = ctx.preset.startup
  const samples = new Map(BACK_TO_BACK.map((id) => [id, []]))
  // run()'s manager is made by the first call: let its workers boot and fill their ready contexts, and
  // the tiers probed before this section settle, before anything is timed.
  for (let i = 0; i < WARMUP_CALLS; i++) await run('1+1')
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
  const ops = {
    'run.b2b': async () => {
      const t0 = performance.now()
      expectOk(await run('1+1'), 2, 'run() back to back')
      return performance.now() - t0
    },
    'floor.worker.ping.b2b': () => worker.call('ping'),
  }
  for (let block = 0; block < backToBackBlocks(p); block++) {
    for (const id of block % 2 ? [...BACK_TO_BACK].reverse() : BACK_TO_BACK) {
      for (let i = 0; i < 10; i++) await ops[id]() // the block's own warm-up
      for (let i = 0; i < BLOCK; i++) samples.get(id).push(await ops[id]())
      ctx.progress.tick(1, `back to back ${block + 1}/${backToBackBlocks(p)}`)
    }
  }
  return samples
}

export async function measure(ctx) {
  const p = ctx.preset.startup
  const want = new Set(activeIds(ctx))
  const qjsModule = F.qjsWasmModule()
  const needAs = want.has('floor.wasm.instantiate') || want.has('floor.worker.wasm')
  const asModule = needAs ? await F.compileAsFloor() : undefined
  const Q = await F.loadQjs(qjsModule)
  const liveCtx = Q.newContext()
  const vmCtx = F.vmNewContext()
  const asInstance =
    asModule &&
    new WebAssembly.Instance(asModule, {
      env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 1 }) },
    })
  const worker = await F.startFloorWorker(qjsModule, asModule)
  const live = await liveSandboxes(
    ctx,
    ['quickjs', 'wasm'].filter((t) => want.has(`${t}.warm`)),
  )
  for (const tier of live.failed.keys()) want.delete(`${tier}.warm`)
  const manager = (tier) => ctx.tiers[tier].manager
  const timed = (fn) => () => {
    const t0 = performance.now()
    fn()
    return performance.now() - t0
  }
  const fns = {
    'quickjs.cold': () => coldStartSamples(manager('quickjs'), 'quickjs', 'quickjs.cold'),
    'quickjs.warm': () =>
      timedExecute(manager('quickjs'), live.ids.quickjs[0], '1+1', 2, 'quickjs warm'),
    run: async () => {
      const t0 = performance.now()
      expectOk(await run('1+1'), 2, 'run()')
      return performance.now() - t0
    },
    'wasm.cold': () => coldStartSamples(manager('wasm'), 'wasm', 'wasm.cold'),
    'wasm.warm': () =>
      timedExecute(manager('wasm'), live.ids.wasm[0], TRIVIAL.wasm.request, 2, 'wasm warm'),
    'wasm.compile': async () => {
      const m = ctx.tiers.wasm.manager
      const t0 = performance.now()
      const id = await m.createSandbox(TIER_CONFIG.wasm)
      const r = await m.execute(id, { code: uniqueAs() })
      const ms = performance.now() - t0
      await m.destroy(id)
      expectOk(r, 2, 'wasm compile run')
      return ms
    },
    'floor.qjs.rt': () => {
      const t = F.qjsRuntimeContext(Q)
      return { 'floor.qjs.rt': t.ready, 'floor.qjs.rt+dispose': t.withDispose }
    },
    'floor.qjs.module': () => F.qjsOwnModule(qjsModule),
    'floor.qjs.eval': timed(() => F.qjsEval(liveCtx, '1+1')),
    'floor.worker.ping': () => worker.call('ping'),
    'floor.worker.rt': () => worker.call('rt'),
    'floor.worker.eval': () => worker.call('eval'),
    'floor.wasm.instantiate': () => F.wasmInstantiate(asModule),
    'floor.wasm.call': timed(() => asInstance.exports.add(1, 1)),
    'floor.worker.wasm': () => worker.call('wasm'),
    'floor.asc.compile': async () => {
      const t0 = performance.now()
      await F.compileAsFloor(uniqueAs(), { fresh: true })
      return performance.now() - t0
    },
    'peer.vm.context': () => F.vmContext(),
    'peer.vm.warm': timed(() => F.vmRun('1+1', vmCtx)),
  }
  const every = (id) => (id.endsWith('compile') ? p.compileEvery : undefined)
  const cases = [...want].map((id) => ({ id, fn: fns[id], every: every(id) }))
  try {
    // Before the interleaved rounds, whose raw-module floors leave the heap full of garbage for the GC.
    const b2b =
      ctx.selected('quickjs') && ctx.tiers.quickjs?.available
        ? await backToBack(ctx, worker)
        : new Map()
    const own = await interleave({
      cases,
      rounds: p.rounds,
      warmup: p.warmup,
      progress: ctx.progress,
    })
    for (const [id, values] of b2b) own.samples.set(id, values)
    const ivmParams = { rounds: p.rounds, warmup: p.warmup, version: ctx.peers.ivm.version }
    const ivm = ctx.selected('quickjs')
      ? await measureIsolatedVm(ctx.peers.ivm, 'startup', ivmParams)
      : undefined
    const outcome = ivm ? mergeOutcomes(own, ivm) : own
    for (const [tier, message] of live.failed) outcome.errors.set(`${tier}.warm`, message)
    return {
      rounds: p.rounds,
      warmup: p.warmup,
      cases: collect(
        METAS.filter((m) => ctx.selected(m.tier)),
        outcome,
        (m) => ctx.skip(m),
      ),
    }
  } finally {
    await worker.terminate()
    liveCtx.dispose()
    await live.close()
  }
}
