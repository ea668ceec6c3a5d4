/**
 * CPU overhead on fixed workloads (fib, JSON, strings): each mechanism runs the same source, interleaved;
 * every figure is a ratio to plain node measured in the same loop, and ours also to its floor (raw
 * quickjs-emscripten, a raw AssemblyScript instance, `node -e` through a raw dockerode exec).
 */
import * as F from '../lib/floors.js'
import { IMAGE, RUNTIMES, dockerodeExec } from '../lib/engine.js'
import { engineGuard } from '../lib/engine-guard.js'
import { collect, interleave, interleaveTicks } from '../lib/interleave.js'
import { measureIsolatedVm, mergeOutcomes } from '../lib/peers.js'
import { expectOk, liveSandboxes } from '../lib/tiers.js'
import { AS_FIB, plainNode, workloads } from '../lib/workloads.js'

const NODE_INNER = 5

export const title = 'CPU overhead on fixed workloads (ms per run; ratio to plain node)'

function metasFor(ctx) {
  const ws = workloads(ctx.preset.cpu)
  const metas = []
  for (const w of ws) {
    const base = `cpu.node.${w.id}`
    const m = (id, role, tier, label, more = {}) =>
      metas.push({ id, role, tier, label, workload: w.id, base, ...more })
    m(
      base,
      'floor',
      'quickjs',
      `plain node: ${w.label} (compiled once, warm JIT; median of ${NODE_INNER} calls per round)`,
    )
    m(`cpu.quickjs.${w.id}`, 'ours', 'quickjs', `quickjs: execute(source) on a live sandbox`, {
      floor: `cpu.qjs.${w.id}`,
    })
    m(
      `cpu.qjs.${w.id}`,
      'floor',
      'quickjs',
      'quickjs-emscripten: evalCode(source) on a live context',
    )
    m(`cpu.vm.${w.id}`, 'peer', 'quickjs', 'node:vm runInContext(source), closure style')
    if (w.id === 'fib')
      m(
        'cpu.vm-global.fib',
        'peer',
        'quickjs',
        'node:vm, fib declared as a global of the context (global style)',
      )
    m(
      `cpu.ivm.${w.id}`,
      'peer',
      'quickjs',
      'isolated-vm evalSync(source), closure style (own process)',
      { errorKey: 'peer.ivm.cpu', ivmId: `peer.ivm.${w.id}` },
    )
    if (w.id === 'fib') {
      m(
        'cpu.wasm.fib',
        'ours',
        'wasm',
        `wasm: execute AssemblyScript fib(${ctx.preset.cpu.fibN}) (fn call) on a live sandbox`,
        { floor: 'cpu.as.fib' },
      )
      m('cpu.as.fib', 'floor', 'wasm', 'raw AssemblyScript instance (-O3): fib export')
    }
    for (const tier of ['docker', 'gvisor']) {
      const rt = RUNTIMES[tier]
      m(
        `cpu.${tier}.${w.id}`,
        'ours',
        tier,
        `${tier}: execute(source) on a live sandbox (node in the container)`,
        { floor: `cpu.${rt}-exec.${w.id}` },
      )
      m(
        `cpu.${rt}-exec.${w.id}`,
        'floor',
        tier,
        `dockerode exec node -e <source> into a running ${rt} container`,
        { runtime: rt },
      )
    }
  }
  return { ws, metas }
}

const runnable = (ctx, m) => !m.errorKey && ctx.selected(m.tier) && !ctx.skip(m)

export function plan(ctx) {
  const { metas } = metasFor(ctx)
  return interleaveTicks(
    metas.filter((m) => runnable(ctx, m)),
    ctx.preset.cpu.reps,
    ctx.preset.cpu.warmup,
  )
}

function timedCheck(fn, expected, what) {
  return async () => {
    const t0 = performance.now()
    const v = await fn()
    const ms = performance.now() - t0
    if (v !== expected) throw new Error(`${what}: ${JSON.stringify(v)} !== ${expected}`)
    return ms
  }
}

export async function measure(ctx) {
  const p = ctx.preset.cpu
  const { ws, metas } = metasFor(ctx)
  const ids = new Set(metas.filter((m) => runnable(ctx, m)).map((m) => m.id))
  const Q = await F.loadQjs(F.qjsWasmModule())
  const qctx = Q.newContext()
  const vmCtx = F.vmNewContext()
  let live = { ids: {}, failed: new Map(), close: async () => {} }
  const floorContainers = {}
  const asInstance = ids.has('cpu.as.fib')
    ? new WebAssembly.Instance(await F.compileAsFloor(), {
        env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 1 }) },
      })
    : undefined
  const uses = (prefix) => [...ids].some((id) => id.startsWith(prefix))
  // Long-lived sandboxes and floor containers; rebuilt when another session restarts the engine.
  const setup = async () => {
    await live.close()
    live = await liveSandboxes(
      ctx,
      ['quickjs', 'wasm', 'docker', 'gvisor'].filter((t) => uses(`cpu.${t}.`)),
    )
    for (const rt of ['runc', 'runsc'].filter((r) => uses(`cpu.${r}-exec.`))) {
      if (floorContainers[rt]) await ctx.register.remove(floorContainers[rt]).catch(() => undefined)
      floorContainers[rt] = await ctx.register.create(rt)
      await floorContainers[rt].start()
    }
  }
  try {
    const guard = engineGuard(ctx, setup)
    await guard.start()
    for (const id of ids) if (live.failed.has(id.split('.')[1])) ids.delete(id)
    const exec = (tier, req, what) => async () => {
      const r = await ctx.tiers[tier].manager.execute(live.ids[tier][0], req)
      expectOk(r, undefined, what)
      return r.value
    }
    const fns = {}
    for (const w of ws) {
      const node = plainNode(w.source, NODE_INNER)
      fns[`cpu.node.${w.id}`] = async () => {
        const r = node()
        if (r.value !== w.expected) throw new Error(`node ${w.id}`)
        return r.ms
      }
      for (const tier of ['quickjs', 'docker', 'gvisor'])
        fns[`cpu.${tier}.${w.id}`] = timedCheck(
          exec(tier, w.source, `${tier} ${w.id}`),
          w.expected,
          `${tier} ${w.id}`,
        )
      fns[`cpu.qjs.${w.id}`] = timedCheck(
        () => F.qjsEval(qctx, w.source),
        w.expected,
        `raw quickjs ${w.id}`,
      )
      fns[`cpu.vm.${w.id}`] = timedCheck(
        () => F.vmRun(w.source, vmCtx),
        w.expected,
        `node:vm ${w.id}`,
      )
      if (w.globalSource)
        fns['cpu.vm-global.fib'] = timedCheck(
          () => F.vmRun(w.globalSource, vmCtx),
          w.expected,
          'node:vm global fib',
        )
      for (const rt of ['runc', 'runsc']) {
        const cmd = ['node', '-e', `process.stdout.write(JSON.stringify(${w.source}))`]
        fns[`cpu.${rt}-exec.${w.id}`] = async () => {
          const t0 = performance.now()
          await dockerodeExec(floorContainers[rt], cmd)
          return performance.now() - t0
        }
      }
    }
    const fib = ws.find((w) => w.id === 'fib')
    fns['cpu.wasm.fib'] = timedCheck(
      exec('wasm', { code: AS_FIB, fn: 'fib', args: [p.fibN] }, 'wasm fib'),
      fib.expected,
      'wasm fib',
    )
    fns['cpu.as.fib'] = timedCheck(() => asInstance.exports.fib(p.fibN), fib.expected, 'raw AS fib')
    const cases = [...ids].map((id) => ({ id, fn: fns[id] }))
    const own = await interleave({
      cases,
      guard,
      rounds: p.reps,
      warmup: p.warmup,
      progress: ctx.progress,
    })
    const ivmParams = {
      rounds: p.reps,
      warmup: p.warmup,
      workloads: ws.map(({ id, source, expected }) => ({ id, source, expected })),
    }
    const ivm = ctx.selected('quickjs')
      ? await measureIsolatedVm(ctx.peers.ivm, 'cpu', ivmParams)
      : { samples: new Map(), errors: new Map() }
    for (const m of metas)
      if (m.ivmId && ivm.samples.has(m.ivmId)) ivm.samples.set(m.id, ivm.samples.get(m.ivmId))
    const outcome = mergeOutcomes(own, ivm)
    for (const m of metas)
      if (live.failed.has(m.id.split('.')[1]))
        outcome.errors.set(m.id, live.failed.get(m.id.split('.')[1]))
    const shown = metas.filter((m) => ctx.selected(m.tier))
    return {
      reps: p.reps,
      warmup: p.warmup,
      image: IMAGE,
      engineRestarts: guard.restarts,
      workloads: ws.map((w) => ({ id: w.id, label: w.label, expected: w.expected })),
      cases: collect(shown, outcome, (m) => ctx.skip(m)),
    }
  } finally {
    qctx.dispose()
    await live.close()
    for (const c of Object.values(floorContainers))
      await ctx.register.remove(c).catch(() => undefined)
  }
}
