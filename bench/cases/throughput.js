/**
 * Throughput: executions per second of the trivial request at concurrency 1, 8 and 32 (C clients, each with
 * its own sandbox, looping for a fixed time). Floors at the same concurrency: two bare workers (one per core,
 * like our pools) doing the same per-run work, and raw dockerode exec into C running containers.
 */
import { run } from '../../dist/index.js'
import * as F from '../lib/floors.js'
import { RUNTIMES, dockerodeExec } from '../lib/engine.js'
import { engineGuard } from '../lib/engine-guard.js'
import { caseResult, errorText, skippedCase } from '../lib/interleave.js'
import { shuffled } from '../lib/stats.js'
import { expectOk, liveSandboxes, TRIVIAL } from '../lib/tiers.js'

export const title = 'Throughput (executions/s, median over rounds)'
const WORKER_OP = { quickjs: 'eval', wasm: 'wasm', run: 'rt' }

function metasFor(ctx) {
  const metas = []
  for (const c of ctx.preset.throughput.concurrency) {
    const m = (id, role, tier, label, more = {}) =>
      metas.push({ id: `${id}.c${c}`, role, tier, label, concurrency: c, unit: 'exec/s', ...more })
    m('tp.quickjs', 'ours', 'quickjs', `quickjs: execute('1+1'), ${c} sandboxes`, {
      floor: `tp.floor.worker-eval.c${c}`,
    })
    m('tp.run', 'ours', 'quickjs', `run('1+1'), ${c} at a time`, {
      floor: `tp.floor.worker-rt.c${c}`,
    })
    m('tp.wasm', 'ours', 'wasm', `wasm: execute AS main, ${c} sandboxes`, {
      floor: `tp.floor.worker-wasm.c${c}`,
    })
    m(
      'tp.floor.worker-eval',
      'floor',
      'quickjs',
      '2 bare workers: round trip + evalCode on a live context',
    )
    m(
      'tp.floor.worker-rt',
      'floor',
      'quickjs',
      '2 bare workers: round trip + newRuntime/newContext/eval/dispose',
    )
    m(
      'tp.floor.worker-wasm',
      'floor',
      'wasm',
      '2 bare workers: round trip + instantiate(cached Module) + call',
    )
    for (const tier of ['docker', 'gvisor']) {
      const rt = RUNTIMES[tier]
      m(`tp.${tier}`, 'ours', tier, `${tier}: execute shell 'true', ${c} sandboxes`, {
        floor: `tp.floor.${rt}-exec.c${c}`,
      })
      m(
        `tp.floor.${rt}-exec`,
        'floor',
        tier,
        `dockerode exec true into ${c} running ${rt} containers`,
        { runtime: rt },
      )
    }
  }
  return metas
}

const runnable = (ctx, m) => ctx.selected(m.tier) && !ctx.skip(m)
export const plan = (ctx) =>
  metasFor(ctx).filter((m) => runnable(ctx, m)).length * ctx.preset.throughput.rounds

/** Runs `op(client)` in `c` loops for `ms`; resolves to executions per second. */
async function loops(c, ms, op) {
  let count = 0
  const end = performance.now() + ms
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: c }, async (_, client) => {
      while (performance.now() < end) {
        await op(client)
        count++
      }
    }),
  )
  return count / ((performance.now() - t0) / 1000)
}

export async function measure(ctx) {
  const p = ctx.preset.throughput
  const metas = metasFor(ctx)
  const active = metas.filter((m) => runnable(ctx, m))
  const maxC = Math.max(...p.concurrency)
  const needs = (prefix) => active.some((m) => m.id.startsWith(prefix))
  let live = { ids: {}, failed: new Map(), close: async () => {} }
  const containers = {}
  const workers = []
  // C sandboxes per tier and C floor containers per runtime; rebuilt when the engine restarts.
  const setup = async () => {
    await live.close()
    live = await liveSandboxes(
      ctx,
      ['quickjs', 'wasm', 'docker', 'gvisor'].filter((t) => needs(`tp.${t}.`)),
      maxC,
    )
    for (const rt of ['runc', 'runsc'].filter((r) => needs(`tp.floor.${r}`))) {
      await Promise.allSettled((containers[rt] ?? []).map((c) => ctx.register.remove(c)))
      containers[rt] = []
      for (let i = 0; i < maxC; i++) {
        const c = await ctx.register.create(rt)
        await c.start()
        containers[rt].push(c)
      }
    }
  }
  const guard = engineGuard(ctx, setup)
  try {
    await guard.start()
    if (needs('tp.floor.worker')) {
      const qjsModule = F.qjsWasmModule()
      const asModule = needs('tp.floor.worker-wasm') ? await F.compileAsFloor() : undefined
      for (let i = 0; i < 2; i++) workers.push(await F.startFloorWorker(qjsModule, asModule))
    }
    const opFor = (m) => {
      const [, kind, what] = m.id.replace(/\.c\d+$/, '').split('.')
      if (kind === 'run') return async () => expectOk(await run('1+1'), 2, 'run()')
      if (kind === 'floor' && what.startsWith('worker-')) {
        const op =
          WORKER_OP[what === 'worker-rt' ? 'run' : what === 'worker-eval' ? 'quickjs' : 'wasm']
        return (client) => workers[client % workers.length].call(op)
      }
      if (kind === 'floor')
        return (client) => dockerodeExec(containers[what.replace('-exec', '')][client], ['true'])
      const manager = ctx.tiers[kind].manager
      return async (client) =>
        expectOk(
          await manager.execute(live.ids[kind][client], TRIVIAL[kind].request),
          TRIVIAL[kind].value,
          kind,
        )
    }
    const rates = new Map()
    const errors = new Map()
    const interrupted = new Map()
    for (const m of active)
      if (live.failed.has(m.id.split('.')[1])) errors.set(m.id, live.failed.get(m.id.split('.')[1]))
    for (let round = 0; round < p.rounds; round++) {
      for (const m of shuffled(active)) {
        if (!errors.has(m.id)) {
          const usesEngine = m.runtime || m.tier === 'docker' || m.tier === 'gvisor'
          try {
            if (usesEngine) await guard.beforeRound()
            const rate = await loops(m.concurrency, p.durationMs, opFor(m))
            rates.set(m.id, [...(rates.get(m.id) ?? []), rate])
          } catch (error) {
            if (usesEngine && (await guard.classify(error)) === 'interruption')
              interrupted.set(m.id, {
                runs: (interrupted.get(m.id)?.runs ?? 0) + 1,
                last: errorText(error),
              })
            else errors.set(m.id, errorText(error))
          }
        }
        ctx.progress.tick(1, `round ${round + 1}/${p.rounds}`)
      }
    }
    const cases = {}
    for (const m of metas.filter((x) => ctx.selected(x.tier))) {
      const reason = ctx.skip(m)
      cases[m.id] = reason
        ? skippedCase(m, reason)
        : caseResult(m, rates.get(m.id), errors.get(m.id))
      if (interrupted.has(m.id)) {
        cases[m.id].interrupted = interrupted.get(m.id)
        if (cases[m.id].error === 'no samples') delete cases[m.id].error
      }
    }
    const engineRestarts = guard.restarts
    return {
      loopMs: p.durationMs,
      rounds: p.rounds,
      concurrency: p.concurrency,
      engineRestarts,
      cases,
    }
  } finally {
    await Promise.allSettled(workers.map((w) => w.terminate()))
    await live.close()
    for (const list of Object.values(containers))
      await Promise.allSettled(list.map((c) => ctx.register.remove(c)))
  }
}
