#!/usr/bin/env node
/**
 * `npm run bench`: every figure of issue 7 in one run, ours beside its floors and peers, written to
 * bench/results/<timestamp>.json (+ latest.json), bench/REPORT.md and bench/results/chart.svg.
 * `--quick` is a smoke run (seconds, temp dir); `--tiers quickjs,wasm` and `--sections …` filter.
 */
import { existsSync } from 'node:fs'
import { Progress } from './lib/progress.js'
import { parseArgs, SECONDS_PER_TICK } from './lib/options.js'

let opts
try {
  opts = parseArgs(process.argv.slice(2))
} catch (error) {
  console.error(error.message)
  process.exit(2)
}
if (opts.help) {
  console.log(opts.help)
  process.exit(0)
}
if (opts.from) {
  const { rewriteReport } = await import('./lib/results.js')
  console.error(`bench: ${await rewriteReport(opts.from)}`)
  process.exit(0)
}
if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
  console.error(
    'bench: dist/index.js is missing: run `npm run build` first (npm run bench does it)',
  )
  process.exit(2)
}

const { closeSharedManager } = await import('../dist/index.js')
const { probeTiers, closeTiers, tierStatus, settleContainerPools, CONTAINER } =
  await import('./lib/tiers.js')
const { dockerClient, engineStatus, engineSkip, waitForEngine, ContainerRegister } =
  await import('./lib/engine.js')
const { machineInfo, loadAverage } = await import('./lib/machine.js')
const { findIsolatedVm } = await import('./lib/peers.js')
const R = await import('./lib/results.js')
const SECTIONS = {
  startup: await import('./cases/startup.js'),
  'first-use': await import('./cases/first-use.js'),
  cpu: await import('./cases/cpu.js'),
  throughput: await import('./cases/throughput.js'),
  memory: await import('./cases/memory.js'),
  containers: await import('./cases/containers.js'),
  escalation: await import('./cases/escalation.js'),
  hedge: await import('./cases/hedge.js'),
  neighbours: await import('./cases/neighbours.js'),
  snapshot: await import('./cases/snapshot.js'),
  python: await import('./cases/python.js'),
  runner: await import('./cases/runner.js'),
  corpus: await import('./cases/python-corpus.js'),
  micro: await import('./cases/micro.js'),
}

const started = new Date()
const stamp = R.timestamp(started)
const progress = new Progress()
const log = (m) => progress.log(`bench: ${m}`)
const machine = machineInfo()
const peers = { ivm: findIsolatedVm() }
if (!peers.ivm.available) log(`peer isolated-vm skipped: ${peers.ivm.reason}`)

const wantsEngine = opts.tiers.some((t) => CONTAINER.includes(t))
const docker = wantsEngine ? dockerClient() : undefined
const engine = wantsEngine
  ? await engineStatus(docker)
  : { up: false, reason: 'no container tier selected', runtimes: {} }
if (wantsEngine && !engine.up) log(`engine: ${engine.reason}`)
log(`probing tiers ${opts.tiers.join(', ')} …`)
const tiers = await probeTiers(opts.tiers, log)

const ctx = {
  opts,
  preset: opts.preset,
  tiers,
  engine,
  docker,
  peers,
  progress,
  log,
  register: docker ? new ContainerRegister(docker) : undefined,
  selected: (tier) => opts.tiers.includes(tier),
  /** Before a round with container cases: wait for an engine that another session restarted. */
  waitEngine: engine.up ? () => waitForEngine(docker) : async () => {},
  /** Why a case does not run: its tier, engine runtime or peer is not available. */
  skip(meta) {
    if (meta.role === 'ours' && !tiers[meta.tier]?.available)
      return `unavailable: ${tiers[meta.tier]?.reason ?? 'not probed'}`
    if (meta.id.startsWith('peer.ivm') && !peers.ivm.available)
      return `unavailable: ${peers.ivm.reason}`
    if (meta.runtime) return engineSkip(engine, meta.runtime)
    return undefined
  },
}

const results = {
  meta: {
    date: started.toISOString(),
    command: `node bench/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    quick: opts.quick,
    preset: opts.preset,
    machine,
    engine,
    peers,
  },
  tiers: {},
  sections: {},
}

const chosen = opts.sections.map((id) => [id, SECTIONS[id]])
const ticks = Object.fromEntries(chosen.map(([id, s]) => [id, s.plan(ctx)]))
const scale = opts.quick ? 0.2 : 1
const weight = (id) => Math.max(0.5, ticks[id] * SECONDS_PER_TICK[id] * scale)
for (const [id] of chosen) progress.plan(weight(id))
let exitCode = 0
try {
  for (const [id, section] of chosen) {
    const waited = await settleContainerPools(tiers)
    if (waited > 500) log(`waited ${Math.round(waited)} ms for container warm pools to refill`)
    progress.section(id, ticks[id], weight(id))
    const t0 = performance.now()
    try {
      results.sections[id] = { title: section.title, ...(await section.measure(ctx)) }
    } catch (error) {
      results.sections[id] = { title: section.title, error: error.stack ?? String(error) }
      log(`section ${id} failed: ${error.message}`)
    }
    results.sections[id].durationMs = Math.round(performance.now() - t0)
  }
} finally {
  await closeTiers(tiers)
  await closeSharedManager()
  await ctx.register?.removeAll()
}
progress.finish()

results.tiers = tierStatus(tiers)
results.meta.durationMs = Math.round(Date.now() - started.getTime())
results.meta.loadAverageEnd = loadAverage()
const paths = R.outputPaths(opts, stamp)
R.writeJson(paths, results)
if (opts.report) await R.writeReport(results, paths)
const errors = R.caseErrors(results)
for (const e of errors) console.error(`bench: error: ${e}`)
if (errors.length) exitCode = 1
console.error(
  `bench: results ${paths.json}${opts.report ? `\nbench: report  ${paths.report}` : ''}`,
)
console.error(
  `bench: ${errors.length ? `${errors.length} case(s) failed` : 'all cases ran or were skipped with a reason'} in ${Math.round(results.meta.durationMs / 1000)} s`,
)
process.exit(exitCode)
