/**
 * In-process floors and peers, measured in the bench's own thread: raw quickjs-emscripten (the variant our
 * quickjs tier runs), node:vm, WebAssembly from a cached Module, an AssemblyScript build, and the bare worker
 * of floor-worker.js. Each returns ms for the work our figure is judged against.
 */
// eslint-disable-next-line no-restricted-imports -- node:vm is a peer measured for comparison, never a sandbox here
import vm from 'node:vm'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC } from 'quickjs-emscripten'
import { AS_FIB } from './workloads.js'

const require = createRequire(import.meta.url)
const now = () => performance.now()

/** The QuickJS WebAssembly.Module our tier compiles once (same file, same variant). */
export function qjsWasmModule() {
  return new WebAssembly.Module(
    readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')),
  )
}

/** A module per sandbox from the cached Module, with its own bounded memory (what our tier does per sandbox). */
export const qjsVariant = (wasmModule) =>
  newVariant(RELEASE_SYNC, {
    wasmModule,
    wasmMemory: new WebAssembly.Memory({ initial: 256, maximum: 1024 }),
  })

export async function loadQjs(wasmModule) {
  return newQuickJSWASMModuleFromVariant(qjsVariant(wasmModule))
}

function evalNumber(ctx, code) {
  const h = ctx.unwrapResult(ctx.evalCode(code))
  const v = ctx.dump(h)
  h.dispose()
  return v
}
export { evalNumber as qjsEval }

/** newRuntime + newContext + eval('1+1'); { ready, withDispose } in ms. */
export function qjsRuntimeContext(Q) {
  const t0 = now()
  const rt = Q.newRuntime()
  const ctx = rt.newContext()
  const v = evalNumber(ctx, '1+1')
  const t1 = now()
  ctx.dispose()
  rt.dispose()
  if (v !== 2) throw new Error('raw quickjs: 1+1 !== 2')
  return { ready: t1 - t0, withDispose: now() - t0 }
}

/** A new QuickJS module (cached WebAssembly.Module, own memory) + context + eval. */
export async function qjsOwnModule(wasmModule) {
  const t0 = now()
  const M = await newQuickJSWASMModuleFromVariant(qjsVariant(wasmModule))
  const ctx = M.newContext()
  const v = evalNumber(ctx, '1+1')
  const t1 = now()
  ctx.dispose()
  if (v !== 2) throw new Error('raw quickjs module: 1+1 !== 2')
  return t1 - t0
}

export function vmContext() {
  const t0 = now()
  const ctx = vm.createContext({})
  const v = vm.runInContext('1+1', ctx)
  const t1 = now()
  if (v !== 2) throw new Error('node:vm: 1+1 !== 2')
  return t1 - t0
}

export const vmNewContext = () => vm.createContext({})
export const vmRun = (code, ctx) => vm.runInContext(code, ctx)

/**
 * AssemblyScript build of AS_FIB (add + fib), memory imported (1 page), as PERF-FLOORS built its floor. The
 * floor module is cached in the temp dir (child processes would otherwise load asc, ~2 s, each); `fresh`
 * compiles every time (the compile floor).
 */
export async function compileAsFloor(source = AS_FIB, { fresh = false } = {}) {
  const cache = join(
    tmpdir(),
    `sandtier-bench-as-${createHash('sha256').update(source).digest('hex').slice(0, 16)}.wasm`,
  )
  if (!fresh && existsSync(cache)) return new WebAssembly.Module(readFileSync(cache))
  // resolved first, so lint's import graph does not walk into binaryen
  const { default: asc } = await import(import.meta.resolve('assemblyscript/asc'))
  const r = await asc.compileString(source, {
    optimizeLevel: 3,
    runtime: 'stub',
    importMemory: true,
    initialMemory: 1,
    maximumMemory: 1,
  })
  if (r.error) throw new Error(`asc: ${r.error.message} ${r.stderr}`)
  if (!fresh) writeFileSync(cache, r.binary)
  return new WebAssembly.Module(r.binary)
}

export async function wasmInstantiate(asModule) {
  const t0 = now()
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 })
  const instance = await WebAssembly.instantiate(asModule, { env: { memory } })
  const v = instance.exports.add(1, 1)
  const t1 = now()
  if (v !== 2) throw new Error('wasm add(1,1) !== 2')
  return t1 - t0
}

/** The bare worker (floor-worker.js); call(op) resolves to the round-trip time in ms. */
export async function startFloorWorker(qjsModule, asModule) {
  const worker = new Worker(new URL('./floor-worker.js', import.meta.url), {
    workerData: { qjsModule, asModule },
  })
  await new Promise((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  let nextId = 1
  const pending = new Map()
  worker.on('message', ({ id, value }) => pending.get(id)?.(value))
  return {
    async call(op) {
      const id = nextId++
      const t0 = now()
      const value = await new Promise((resolve) => {
        pending.set(id, resolve)
        worker.postMessage({ id, op })
      })
      pending.delete(id)
      if (value !== 2) throw new Error(`floor worker ${op}: ${value} !== 2`)
      return now() - t0
    },
    terminate: () => worker.terminate(),
  }
}
