/**
 * The architecture floor of the in-process tiers: a bare worker thread holding a QuickJS module (and the
 * AssemblyScript floor module), answering one message with the least work a sandbox run needs. Our tiers add
 * their protocol, limits, result copying and bookkeeping on top of exactly this.
 *   'ping'   → reply (postMessage round trip)
 *   'rt'     → newRuntime + newContext + eval('1+1') + dispose (a fresh sandbox per run, like run())
 *   'eval'   → eval('1+1') in a context kept alive (a warm execute)
 *   'module' → a new QuickJS module from the cached WebAssembly.Module + context + eval (own memory per sandbox)
 *   'wasm'   → instantiate the cached AS module + new Memory(1 page) + call (the wasm tier's per-run work)
 */
import { parentPort, workerData } from 'node:worker_threads'
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC } from 'quickjs-emscripten'

const { qjsModule, asModule } = workerData
const variant = () =>
  newVariant(RELEASE_SYNC, {
    wasmModule: qjsModule,
    wasmMemory: new WebAssembly.Memory({ initial: 256, maximum: 1024 }),
  })
const shared = await newQuickJSWASMModuleFromVariant(variant())
const warm = shared.newContext()

function evalIn(ctx) {
  const h = ctx.unwrapResult(ctx.evalCode('1+1'))
  const v = ctx.getNumber(h)
  h.dispose()
  return v
}

const ops = {
  ping: () => 2,
  rt: () => {
    const rt = shared.newRuntime()
    const ctx = rt.newContext()
    const v = evalIn(ctx)
    ctx.dispose()
    rt.dispose()
    return v
  },
  eval: () => evalIn(warm),
  module: async () => {
    const m = await newQuickJSWASMModuleFromVariant(variant())
    const ctx = m.newContext()
    const v = evalIn(ctx)
    ctx.dispose()
    return v
  },
  wasm: async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 })
    const instance = await WebAssembly.instantiate(asModule, { env: { memory } })
    return instance.exports.add(1, 1)
  },
}

parentPort.on('message', async ({ id, op }) => {
  parentPort.postMessage({ id, value: await ops[op]() })
})
parentPort.postMessage({ ready: true })
