/**
 * Memory per live instance, in a fresh process (node --expose-gc): warm up by creating and dropping 5, gc
 * and read RSS/PSS, create N live ones, gc, wait 200 ms, read again; print the growth per instance (KiB).
 * Usage: node --expose-gc [--no-node-snapshot] memory-child.js <mech> <N> <settle tries> [isolated-vm path]
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

const [mech, nArg, triesArg, ivmPath] = process.argv.slice(2)
const SETTLE_TRIES = Number(triesArg)
const N = Number(nArg)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const statusKiB = (file, key) =>
  Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(file, 'utf8'))?.[1])
const rss = () => statusKiB('/proc/self/status', 'VmRSS')
const pss = () => statusKiB('/proc/self/smaps_rollup', 'Pss')
/** gc, then wait until RSS holds still (background work such as a compiler warm-up or a pool refill is done). */
async function settle() {
  let last = -Infinity
  for (let i = 0; i < SETTLE_TRIES; i++) {
    globalThis.gc()
    await sleep(i < 4 ? 50 : 250)
    const now = rss()
    if (i >= 4 && Math.abs(now - last) < 256) return
    last = now
  }
}
const AS_MAIN = 'export function main(input: string): string { return "2" }'

/** { make(): Promise<instance>, drop(instance): Promise<void> } per mechanism. */
async function factoryFor() {
  if (mech === 'quickjs' || mech === 'wasm') {
    const { SandboxManager } = await import('../../dist/index.js')
    const m = new SandboxManager()
    const config =
      mech === 'wasm' ? { type: 'wasm', language: 'assemblyscript' } : { type: 'quickjs' }
    const request = mech === 'wasm' ? { code: AS_MAIN } : '1+1'
    return {
      make: async () => {
        const id = await m.createSandbox(config)
        const r = await m.execute(id, request)
        if (r.status !== 'ok') throw new Error(JSON.stringify(r.error))
        return id
      },
      drop: (id) => m.destroy(id),
    }
  }
  if (mech === 'qjs-rt' || mech === 'qjs-module') {
    const F = await import('../lib/floors.js')
    const wasmModule = F.qjsWasmModule()
    const shared = await F.loadQjs(wasmModule)
    return {
      make: async () => {
        const Q = mech === 'qjs-module' ? await F.loadQjs(wasmModule) : shared
        const rt = Q.newRuntime()
        const ctx = rt.newContext()
        F.qjsEval(ctx, '1+1')
        return { rt, ctx }
      },
      drop: async ({ rt, ctx }) => {
        ctx.dispose()
        rt.dispose()
      },
    }
  }
  if (mech === 'vm') {
    const F = await import('../lib/floors.js')
    return {
      make: async () => {
        const c = F.vmNewContext()
        F.vmRun('1+1', c)
        return c
      },
      drop: async () => {},
    }
  }
  if (mech === 'wasm-instance') {
    const { compileAsFloor } = await import('../lib/floors.js')
    const mod = await compileAsFloor()
    return {
      make: async () => {
        const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 })
        const inst = new WebAssembly.Instance(mod, { env: { memory } })
        inst.exports.add(1, 1)
        new Uint8Array(memory.buffer).fill(1) // the whole page touched: an upper bound
        return inst
      },
      drop: async () => {},
    }
  }
  if (mech === 'worker') {
    const src =
      "require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m))"
    return {
      make: async () => {
        const w = new Worker(src, { eval: true })
        await new Promise((r) => {
          w.once('message', r)
          w.postMessage(1)
        })
        return w
      },
      drop: (w) => w.terminate(),
    }
  }
  if (mech === 'ivm') {
    const ivm = createRequire(import.meta.url)(ivmPath)
    return {
      make: async () => {
        const iso = new ivm.Isolate({ memoryLimit: 16 })
        const c = iso.createContextSync()
        c.evalSync('1+1')
        return iso
      },
      drop: async (iso) => iso.dispose(),
    }
  }
  throw new Error(`unknown mech ${mech}`)
}

const f = await factoryFor()
const tmp = []
for (let i = 0; i < 5; i++) tmp.push(await f.make())
for (const x of tmp) await f.drop(x)
tmp.length = 0
await settle()
const rss0 = rss(),
  pss0 = pss(),
  ext0 = process.memoryUsage().external
const live = []
for (let i = 0; i < N; i++) live.push(await f.make())
await settle()
await sleep(200)
const rss1 = rss(),
  pss1 = pss(),
  ext1 = process.memoryUsage().external
process.stdout.write(
  `${JSON.stringify({ mech, n: N, rssPerInstKiB: (rss1 - rss0) / N, pssPerInstKiB: (pss1 - pss0) / N, externalPerInstKiB: (ext1 - ext0) / 1024 / N, rssBaseMiB: rss0 / 1024 })}\n`,
)
process.exit(0)
