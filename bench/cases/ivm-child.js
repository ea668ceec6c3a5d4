/**
 * isolated-vm peer, in its own process because Node ≥ 20 needs --no-node-snapshot for it (which also slows
 * node's own start-up, so it never runs in the main bench process). Rounds interleave its cases.
 * Usage: node --no-node-snapshot ivm-child.js <path-to-isolated-vm> <startup|cpu> '<json params>'
 */
import { createRequire } from 'node:module'

const [ivmPath, mode, paramsJson] = process.argv.slice(2)
const ivm = createRequire(import.meta.url)(ivmPath)
const params = JSON.parse(paramsJson)
const now = () => performance.now()

function startupCases() {
  const warmIso = new ivm.Isolate({ memoryLimit: 16 })
  const warmCtx = warmIso.createContextSync()
  return {
    'peer.ivm.isolate': () => {
      const t0 = now()
      const iso = new ivm.Isolate({ memoryLimit: 16 })
      const ctx = iso.createContextSync()
      const v = ctx.evalSync('1+1')
      const ms = now() - t0
      ctx.release()
      iso.dispose()
      if (v !== 2) throw new Error('ivm 1+1')
      return ms
    },
    'peer.ivm.warm': () => {
      const t0 = now()
      warmCtx.evalSync('1+1')
      return now() - t0
    },
  }
}

function cpuCases() {
  const iso = new ivm.Isolate({ memoryLimit: 128 })
  const ctx = iso.createContextSync()
  const cases = {}
  for (const w of params.workloads) {
    cases[`peer.ivm.${w.id}`] = () => {
      const t0 = now()
      const v = ctx.evalSync(w.source)
      const ms = now() - t0
      if (v !== w.expected) throw new Error(`ivm ${w.id}: ${v} !== ${w.expected}`)
      return ms
    }
  }
  return cases
}

const cases = mode === 'startup' ? startupCases() : cpuCases()
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
for (let round = 0; round < params.warmup + params.rounds; round++) {
  for (const id of Object.keys(cases).sort(() => Math.random() - 0.5)) {
    const ms = cases[id]()
    if (round >= params.warmup) samples[id].push(ms)
  }
}
process.stdout.write(`${JSON.stringify({ version: params.version, samples })}\n`)
