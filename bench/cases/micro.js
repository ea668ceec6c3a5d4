/**
 * Per-operation floors with benchmark.js: each operation of the in-process tiers beside the raw library call it
 * is built on, measured by benchmark.js (cycles sized to the timer, sampled until the relative margin of error
 * settles) and reported as mean ± rme and ops/s. The other sections' medians come from interleaved single
 * samples; this one answers "what does one operation cost in a tight loop", so its mean sits beside the
 * interleaved p50 of the same operation (`median` column) where the startup section measured it.
 */
import Benchmark from 'benchmark'
import { run } from '../../dist/index.js'
import * as F from '../lib/floors.js'
import { errorText } from '../lib/interleave.js'
import { AS_MAIN, liveSandboxes, TRIVIAL } from '../lib/tiers.js'
import { summarize } from '../lib/stats.js'

export const title = 'Per-operation floors, benchmark.js (mean ± rme, ops/s)'

/** An AssemblyScript main that logs: the host reads its AssemblyScript string with @assemblyscript/loader. */
const AS_LOG =
  'export function main(input: string): string { console.log("hello " + input); return "2" }'

const M = (id, role, tier, label, more = {}) => ({ id, role, tier, label, unit: 'ms', ...more })

// Ours before its floor, and the wasm floor last: its thousands of new Memory objects are freed (unmapped)
// while whatever runs next is measured.
export const METAS = [
  M('micro.quickjs.execute', 'ours', 'quickjs', "quickjs: execute('1+1') on a live sandbox", {
    floor: 'micro.qjs.eval',
    median: 'quickjs.warm',
  }),
  M(
    'micro.qjs.eval',
    'floor',
    'quickjs',
    "quickjs-emscripten: evalCode('1+1') + dump on a live context",
  ),
  M('micro.run', 'ours', 'quickjs', "run('1+1') (auto → quickjs; create + execute + destroy)", {
    floor: 'micro.qjs.rt',
    median: 'run.b2b',
  }),
  M(
    'micro.qjs.rt',
    'floor',
    'quickjs',
    "quickjs-emscripten: newRuntime + newContext + eval('1+1') + dispose",
  ),
  M(
    'micro.wasm.execute',
    'ours',
    'wasm',
    'wasm: execute(AS main() returning "2") on a live sandbox',
    {
      floor: 'micro.wasm.instantiate',
      median: 'wasm.warm',
    },
  ),
  M(
    'micro.wasm.log',
    'ours',
    'wasm',
    'wasm: execute(AS main() that console.logs a string) on a live sandbox',
    { floor: 'micro.wasm.instantiate' },
  ),
  M(
    'micro.wasm.instantiate',
    'floor',
    'wasm',
    'WebAssembly: new Memory + instantiate a cached AssemblyScript module + add(1, 1)',
  ),
]

const enabledMetas = (ctx) => METAS.filter((m) => ctx.selected(m.tier))

export function plan(ctx) {
  return enabledMetas(ctx).length
}

/**
 * One benchmark.js run of `op` (async, resolves to the operation's value). Every value is checked after the
 * run: a wrong answer fails the case rather than timing it.
 */
function measureOp(meta, op, expected, options) {
  let wrong
  return new Promise((resolve) => {
    const bench = new Benchmark(meta.id, {
      defer: true,
      ...options,
      fn(deferred) {
        op().then(
          (value) => {
            if (value !== expected && wrong === undefined)
              wrong = `${JSON.stringify(value)?.slice(0, 80)} !== ${expected}`
            deferred.resolve()
          },
          (error) => {
            wrong ??= errorText(error)
            deferred.resolve()
          },
        )
      },
      onComplete() {
        resolve(bench)
      },
      onError() {
        resolve(bench)
      },
    })
    bench.run({ async: true })
  }).then((bench) => record(meta, bench, wrong))
}

/** The case record: benchmark.js's figures, and a summary of its samples (each one cycle's mean, ms). */
function record(meta, bench, wrong) {
  const out = { ...meta }
  if (bench.error) out.error = errorText(bench.error)
  else if (wrong !== undefined) out.error = `wrong result: ${wrong}`
  const s = bench.stats
  if (!out.error && s.sample.length > 0) {
    out.benchmark = {
      meanMs: s.mean * 1000,
      rmePct: s.rme,
      hz: bench.hz,
      cycles: bench.cycles,
      samples: s.sample.length,
    }
    out.summary = summarize(s.sample.map((x) => x * 1000))
  }
  return out
}

/** The value of one result, or a thrown error that names its status. */
function valueOf(result) {
  if (result.status !== 'ok') throw new Error(`status ${result.status}: ${result.error?.message}`)
  return result.value
}

export async function measure(ctx) {
  const p = ctx.preset.micro
  const options = { maxTime: p.maxTime, minSamples: p.minSamples, initCount: 1 }
  const metas = enabledMetas(ctx)
  const cases = {}
  const tiers = [...new Set(metas.map((m) => m.tier))].filter(
    (t) => !ctx.skip({ role: 'ours', tier: t, id: '' }),
  )
  const live = await liveSandboxes(ctx, tiers)
  const qjsModule = ctx.selected('quickjs') ? await F.loadQjs(F.qjsWasmModule()) : undefined
  const qjsContext = qjsModule?.newContext()
  const asModule = ctx.selected('wasm') ? await F.compileAsFloor() : undefined
  const manager = (tier) => ctx.tiers[tier].manager
  const ops = {
    'micro.qjs.eval': async () => F.qjsEval(qjsContext, '1+1'),
    'micro.quickjs.execute': async () =>
      valueOf(await manager('quickjs').execute(live.ids.quickjs[0], TRIVIAL.quickjs.request)),
    'micro.qjs.rt': async () => {
      const rt = qjsModule.newRuntime()
      const c = rt.newContext()
      const v = F.qjsEval(c, '1+1')
      c.dispose()
      rt.dispose()
      return v
    },
    'micro.run': async () => valueOf(await run('1+1')),
    'micro.wasm.instantiate': async () => {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 })
      const instance = new WebAssembly.Instance(asModule, { env: { memory } })
      return instance.exports.add(1, 1)
    },
    'micro.wasm.execute': async () =>
      valueOf(await manager('wasm').execute(live.ids.wasm[0], { code: AS_MAIN })),
    'micro.wasm.log': async () =>
      valueOf(await manager('wasm').execute(live.ids.wasm[0], { code: AS_LOG, input: 1 })),
  }
  try {
    for (const meta of metas) {
      const reason = ctx.skip(meta) ?? live.failed.get(meta.tier)
      if (reason) cases[meta.id] = { ...meta, skipped: reason }
      else {
        // Untimed first: the AS source's compile, run()'s shared manager and its workers are not the operation.
        for (let i = 0; i < p.warmup; i++) await ops[meta.id]()
        cases[meta.id] = await measureOp(meta, ops[meta.id], 2, options)
      }
      ctx.progress.tick(1, ` ${meta.id}`)
    }
  } finally {
    qjsContext?.dispose()
    await live.close()
  }
  return { cases, options }
}
