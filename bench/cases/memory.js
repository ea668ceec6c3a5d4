/**
 * Memory per idle sandbox. In-process tiers: RSS growth per live instance in a fresh child process with N
 * live sandboxes (memory-child.js), beside the same for raw QuickJS, node:vm, a wasm instance, a worker and
 * isolated-vm. Containers: cgroup usage plus containerd-shim PSS per container (container-memory.js).
 */
import { fileURLToPath } from 'node:url'
import { runChild } from '../lib/child.js'
import { caseResult, errorText, skippedCase } from '../lib/interleave.js'
import { median, shuffled } from '../lib/stats.js'
import {
  containerMemoryMetas,
  measureContainerMemory,
  containerMemoryTicks,
} from './container-memory.js'

export const title = 'Memory per idle sandbox (KiB)'
const CHILD = fileURLToPath(new URL('./memory-child.js', import.meta.url))

const M = (id, role, tier, label, more = {}) => ({ id, role, tier, label, unit: 'KiB', ...more })
export const IN_PROCESS_METAS = [
  M(
    'mem.quickjs',
    'ours',
    'quickjs',
    'quickjs sandbox after one execute (own module + runtime + context, in a worker)',
    { mech: 'quickjs', floor: 'mem.qjs-module', also: ['mem.qjs-rt'] },
  ),
  M('mem.wasm', 'ours', 'wasm', 'wasm sandbox after one execute', {
    mech: 'wasm',
    floor: 'mem.wasm-instance',
    scale: 5,
  }),
  M(
    'mem.qjs-module',
    'floor',
    'quickjs',
    'quickjs-emscripten: own module (cached WebAssembly.Module) + runtime + context',
    { mech: 'qjs-module' },
  ),
  M('mem.qjs-rt', 'floor', 'quickjs', 'quickjs-emscripten: runtime + context in a shared module', {
    mech: 'qjs-rt',
  }),
  M('mem.wasm-instance', 'floor', 'wasm', 'AS wasm instance + 1-page Memory, page fully written', {
    mech: 'wasm-instance',
  }),
  M('mem.worker', 'floor', 'quickjs', 'idle worker_threads Worker (what a warm pool slot costs)', {
    mech: 'worker',
    small: true,
  }),
  M('mem.vm', 'peer', 'quickjs', 'node:vm context', { mech: 'vm' }),
  M('mem.ivm', 'peer', 'quickjs', 'isolated-vm Isolate (16 MB limit) + context', {
    mech: 'ivm',
    ivm: true,
  }),
]

const runnable = (ctx, m) =>
  ctx.selected(m.tier) && !ctx.skip(m) && !(m.ivm && !ctx.peers.ivm.available)

export const plan = (ctx) =>
  IN_PROCESS_METAS.filter((m) => runnable(ctx, m)).length * ctx.preset.memory.rounds +
  containerMemoryTicks(ctx)

async function measureInProcess(ctx) {
  const p = ctx.preset.memory
  // wasm sandboxes hold almost nothing between runs: more of them, so the noise per instance shrinks
  const count = (m) => (m.small ? p.workerN : p.n * (m.scale ?? 1))
  const active = IN_PROCESS_METAS.filter((m) => runnable(ctx, m))
  const rounds = new Map()
  const errors = new Map()
  for (let round = 0; round < p.rounds; round++) {
    for (const m of shuffled(active)) {
      if (!errors.has(m.id)) {
        try {
          const flags = ['--expose-gc', ...(m.ivm ? ['--no-node-snapshot'] : [])]
          const args = [
            m.mech,
            String(count(m)),
            String(p.settleTries),
            ...(m.ivm ? [ctx.peers.ivm.path] : []),
          ]
          const out = await runChild(CHILD, args, { flags })
          rounds.set(m.id, [...(rounds.get(m.id) ?? []), out])
        } catch (error) {
          errors.set(m.id, errorText(error))
        }
      }
      ctx.progress.tick(1, `${m.mech} round ${round + 1}/${p.rounds}`)
    }
  }
  const cases = {}
  for (const m of IN_PROCESS_METAS.filter((x) => ctx.selected(x.tier))) {
    const reason =
      ctx.skip(m) ??
      (m.ivm && !ctx.peers.ivm.available ? `unavailable: ${ctx.peers.ivm.reason}` : undefined)
    if (reason) {
      cases[m.id] = skippedCase(m, reason)
      continue
    }
    const outs = rounds.get(m.id) ?? []
    const n = count(m)
    cases[m.id] = caseResult(
      { ...m, n, method: `RSS growth / ${n} live, fresh process, median of ${p.rounds} rounds` },
      outs.map((o) => o.rssPerInstKiB),
      errors.get(m.id),
    )
    if (outs.length) cases[m.id].pssKiB = median(outs.map((o) => o.pssPerInstKiB))
    if (outs.length) cases[m.id].externalKiB = median(outs.map((o) => o.externalPerInstKiB))
  }
  return cases
}

export async function measure(ctx) {
  const inProcess = await measureInProcess(ctx)
  const containers = ctx.opts.tiers.some((t) => t === 'docker' || t === 'gvisor')
    ? await measureContainerMemory(ctx)
    : {}
  return {
    n: ctx.preset.memory.n,
    rounds: ctx.preset.memory.rounds,
    containerN: ctx.preset.containerMemory.n,
    cases: { ...inProcess, ...containers },
  }
}

export { containerMemoryMetas }
