/**
 * Python on the pywasm tier (issue 20's targets), in one run: run() of a one-line snippet on pywasm (CPython on
 * WASI in process) beside a `python3 -c` subprocess and run() on the docker tier (runc), interleaved; and the
 * memory an idle pywasm sandbox costs the host: the interpreter pages it keeps that differ from the shared
 * ready image (tier stats: stateBytes), and the process RSS growth per idle sandbox (noisier: it includes the
 * workers' few live interpreters).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { run, SandboxManager } from '../../dist/index.js'
import { locatePythonWasm } from '../../dist/tiers/python/artifacts.js'
import { collect, interleave, interleaveTicks } from '../lib/interleave.js'

export const title = 'Python: pywasm vs python3 -c vs docker (issue 20)'

const SNIPPET = 'print(1+1)'
const M = (id, label, more = {}) => ({ id, label, ...more })
const METAS = [
  M('py.pywasm', `run('${SNIPPET}', { type: 'pywasm' })`, {
    role: 'ours',
    tier: 'pywasm',
    floor: 'py.python3',
    also: ['py.docker'],
  }),
  M('py.python3', `python3 -c '${SNIPPET}' (a subprocess)`, { role: 'floor' }),
  M('py.docker', `run('${SNIPPET}', { type: 'docker' })`, { role: 'ours', tier: 'docker' }),
]
const CASE_IDS = METAS.map((m) => m.id)

const pythonWasm = await locatePythonWasm()
const pywasmSkip = () =>
  pythonWasm.available ? undefined : `unavailable: ${pythonWasm.reason.split('\n')[0]}`

function dockerSkip(ctx) {
  if (!ctx.selected('docker')) return 'docker not selected'
  return ctx.skip({ role: 'ours', tier: 'docker', id: 'py.docker' })
}

export function plan(ctx) {
  if (pywasmSkip()) return 0
  const p = ctx.preset.python
  const ids = dockerSkip(ctx) ? CASE_IDS.filter((id) => id !== 'py.docker') : CASE_IDS
  return interleaveTicks(ids, p.rounds, p.warmup) + p.idleSandboxes
}

async function timed(fn) {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

async function runOn(type) {
  const r = await run(SNIPPET, { type, language: 'python', trust: 'trusted' })
  if (r.status !== 'ok' || r.stdout !== '2\n')
    throw new Error(`${type}: status ${r.status} ${r.error?.message ?? ''} stdout ${r.stdout}`)
}

async function subprocess() {
  const { stdout } = await promisify(execFile)('python3', ['-c', SNIPPET])
  if (stdout !== '2\n') throw new Error(`python3 -c printed ${JSON.stringify(stdout)}`)
}

/** Idle sandboxes (each ran once and keeps a global and an import): what the host holds for each. */
async function idleMemory(ctx, count) {
  const manager = new SandboxManager({ tiers: { pywasm: { maxWorkers: 1 } } })
  try {
    // The image and the worker first, so the growth below is the sandboxes'.
    await manager.runOnce({ type: 'pywasm', language: 'python' }, '1')
    globalThis.gc?.()
    const rss0 = process.memoryUsage().rss
    const ids = []
    for (let i = 0; i < count; i++) {
      const id = await manager.createSandbox({ type: 'pywasm', language: 'python' })
      const r = await manager.execute(id, `x = ${i}\nimport json`)
      if (r.status !== 'ok') throw new Error(`idle set-up: ${r.status} ${r.error?.message}`)
      ids.push(id)
      ctx.progress.tick(1, ' python idle sandboxes')
    }
    globalThis.gc?.()
    const rssGrowth = process.memoryUsage().rss - rss0
    const stateBytes = (await manager.stats()).tiers.pywasm?.stateBytes ?? Number.NaN
    for (const id of ids) await manager.destroy(id)
    return {
      sandboxes: count,
      stateBytesPerSandbox: stateBytes / count,
      rssBytesPerSandbox: rssGrowth / count,
    }
  } finally {
    await manager.close()
  }
}

export async function measure(ctx) {
  const p = ctx.preset.python
  const skipOf = (m) => {
    if (m.id === 'py.docker') return pywasmSkip() ?? dockerSkip(ctx)
    return pywasmSkip()
  }
  if (pywasmSkip())
    return { cases: collect(METAS, { samples: new Map(), errors: new Map() }, skipOf) }
  const cases = [
    { id: 'py.pywasm', fn: () => timed(() => runOn('pywasm')) },
    { id: 'py.python3', fn: () => timed(subprocess) },
  ]
  if (!dockerSkip(ctx)) cases.push({ id: 'py.docker', fn: () => timed(() => runOn('docker')) })
  const progress = { tick: (n, detail) => ctx.progress.tick(n, ` python ${detail}`) }
  const outcome = await interleave({ cases, rounds: p.rounds, warmup: p.warmup, progress })
  return {
    rounds: p.rounds,
    snippet: SNIPPET,
    idle: await idleMemory(ctx, p.idleSandboxes),
    cases: collect(METAS, outcome, skipOf),
  }
}
