#!/usr/bin/env node
/**
 * Issue 20's targets for the pywasm tier, in one run: run() of a one-line Python snippet on pywasm (CPython on
 * WASI in process) against a `python3 -c` subprocess and the docker tier (runc), interleaved; and the memory an
 * idle pywasm sandbox holds (its interpreter's pages that differ from the shared image, kept on the host).
 * `node bench/python-wasm.js [rounds]` after `npm run build`; prints the report's rows as Markdown.
 */
import { spawnSync } from 'node:child_process'
import { SandboxManager } from '../dist/index.js'

const rounds = Number(process.argv[2] ?? 30)
const SNIPPET = 'print(1+1)'
const IDLE_SANDBOXES = 20

const manager = new SandboxManager()
const keepAlive = setInterval(() => undefined, 1000)

function p50(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function timed(fn) {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

async function runOn(type) {
  const r = await manager.runOnce({ type, language: 'python' }, SNIPPET)
  if (r.status !== 'ok' || r.stdout !== '2\n') throw new Error(`${type}: ${JSON.stringify(r)}`)
}

function subprocess() {
  const r = spawnSync('python3', ['-c', SNIPPET], { encoding: 'utf8' })
  if (r.stdout !== '2\n') throw new Error(`python3 -c: ${r.stderr}`)
}

// Warm-up: the image, the workers, the container pool.
for (let i = 0; i < 3; i++) {
  await runOn('pywasm')
  await runOn('docker')
}
const samples = { pywasm: [], python3: [], docker: [] }
for (let i = 0; i < rounds; i++) {
  samples.pywasm.push(await timed(() => runOn('pywasm')))
  samples.python3.push(await timed(() => subprocess()))
  samples.docker.push(await timed(() => runOn('docker')))
}

// Idle sandboxes: each ran once and keeps its globals; what the host holds for them.
const ids = []
for (let i = 0; i < IDLE_SANDBOXES; i++) {
  const id = await manager.createSandbox({ type: 'pywasm', language: 'python' })
  await manager.execute(id, `x = ${i}\nimport json`)
  ids.push(id)
}
const stateBytes = (await manager.stats()).tiers.pywasm?.stateBytes ?? NaN
const perSandboxMiB = stateBytes / IDLE_SANDBOXES / 2 ** 20
for (const id of ids) await manager.destroy(id)

console.log('| case | p50 ms | min ms | max ms |')
console.log('|---|---|---|---|')
for (const [name, label] of [
  ['pywasm', `run('${SNIPPET}', { type: 'pywasm' })`],
  ['python3', `python3 -c '${SNIPPET}' (subprocess)`],
  ['docker', `run('${SNIPPET}', { type: 'docker' })`],
]) {
  const s = samples[name]
  console.log(
    `| ${label} | ${p50(s).toFixed(1)} | ${Math.min(...s).toFixed(1)} | ${Math.max(...s).toFixed(1)} |`,
  )
}
console.log(
  `\nidle pywasm sandbox (one run, globals kept): ${perSandboxMiB.toFixed(2)} MiB on the host above the shared image (${IDLE_SANDBOXES} sandboxes, ${rounds} rounds)`,
)
await manager.close()
clearInterval(keepAlive)
