/**
 * The prelude installed in a fresh QuickJS context (prelude.ts): the `native` object it is given, and the
 * handles of the functions it returns. Natives that only read the context (promise state, random bytes,
 * loading a part) are made here; those that act on the run in progress ask guest-run-natives.ts (NativeHost).
 *
 * Runs once per context, while the context is built: what it leaves in the context is part of the
 * ready-context image every sandbox starts from (context-image.ts).
 */
import { randomFillSync } from 'node:crypto'
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten'
import { PRELUDE_SOURCE } from './prelude.js'
import { isPreludePart, PRELUDE_PARTS } from './prelude-parts.js'
import { installFolderNatives } from './folder-native.js'

/** Most bytes one crypto.getRandomValues call may ask for (WebCrypto's quota). */
export const MAX_RANDOM_BYTES = 65536

/** The natives that act on the run in progress, as guest-run-natives.ts implements them. */
export interface NativeHost {
  /** Console text, already clipped by the guest to the room left (`clipped` says so); false stops writing. */
  write(fd: number, text: QuickJSHandle, clipped: boolean): boolean
  /** Output bytes left to the run. */
  room(): number
  /** Starts a host call; the promise handle the guest awaits. */
  hostCall(name: QuickJSHandle, args: QuickJSHandle): QuickJSHandle
  /** Arms (or re-arms) a timer; false when too many are pending. */
  setTimer(id: number, ms: number): boolean
  clearTimer(id: number): void
}

/** Functions the prelude returns, kept as handles for the context's lifetime. */
export interface PreludeApi {
  complete: QuickJSHandle
  describe: QuickJSHandle
  setInput: QuickJSHandle
  fireTimer: QuickJSHandle
  clearTimers: QuickJSHandle
  installHostFunction: QuickJSHandle
}

/** Runs the prelude in `ctx` with its natives; the handles of what it returns. */
export function installPrelude(ctx: QuickJSContext, host: NativeHost): PreludeApi {
  const native = ctx.newObject()
  ctx
    .newFunction('write', (fd, text, clipped) =>
      host.write(ctx.getNumber(fd), text, ctx.eq(clipped, ctx.true)) ? ctx.true : ctx.false,
    )
    .consume((fn) => ctx.setProp(native, 'write', fn))
  ctx
    .newFunction('room', () => ctx.newNumber(host.room()))
    .consume((fn) => ctx.setProp(native, 'room', fn))
  ctx
    .newFunction('hostCall', (name, args) => host.hostCall(name, args))
    .consume((fn) => ctx.setProp(native, 'hostCall', fn))
  ctx
    .newFunction('setTimer', (id, ms) =>
      host.setTimer(ctx.getNumber(id), ctx.getNumber(ms)) ? ctx.true : ctx.false,
    )
    .consume((fn) => ctx.setProp(native, 'setTimer', fn))
  ctx
    .newFunction('clearTimer', (id) => host.clearTimer(ctx.getNumber(id)))
    .consume((fn) => ctx.setProp(native, 'clearTimer', fn))
  // Promise state for the console (util.inspect shows 'Promise { <pending> }'): read without running
  // guest code; -1 when the value is not a QuickJS promise (a Proxy of one included).
  ctx
    .newFunction('promiseState', (value) => {
      const state = ctx.getPromiseState(value)
      if (state.type === 'pending') return ctx.newNumber(0)
      if (state.type === 'rejected') {
        state.error.dispose()
        return ctx.newNumber(2)
      }
      if (state.notAPromise) return ctx.newNumber(-1)
      state.value.dispose()
      return ctx.newNumber(1)
    })
    .consume((fn) => ctx.setProp(native, 'promiseState', fn))
  ctx
    .newFunction('promiseResult', (value) => {
      const state = ctx.getPromiseState(value)
      if (state.type === 'pending') return ctx.undefined
      if (state.type === 'rejected') return state.error
      return state.notAPromise ? ctx.undefined : state.value
    })
    .consume((fn) => ctx.setProp(native, 'promiseResult', fn))
  // crypto.getRandomValues and randomUUID: bytes from the host's CSPRNG, at most one WebCrypto quota.
  ctx
    .newFunction('randomBytes', (n) => {
      const count = ctx.getNumber(n)
      if (!Number.isInteger(count) || count < 0 || count > MAX_RANDOM_BYTES) return ctx.undefined
      const bytes = new Uint8Array(count)
      randomFillSync(bytes)
      return ctx.newArrayBuffer(bytes.buffer)
    })
    .consume((fn) => ctx.setProp(native, 'randomBytes', fn))
  ctx
    .newFunction('load', (name) => {
      // Compiles a prelude part in this context: while the context is built, or on first use for the lazy
      // parts (see prelude.ts).
      const part = ctx.getString(name)
      if (!isPreludePart(part)) return { error: ctx.newError(`no prelude part ${part}`) }
      const compiled = ctx.evalCode(PRELUDE_PARTS[part], `sandtier-${part}.js`)
      return compiled.error ? { error: compiled.error } : compiled.value
    })
    .consume((fn) => ctx.setProp(native, 'load', fn))

  // The fs part's natives act on the folder seated for the run in progress (folder-seat.ts).
  installFolderNatives(ctx, native)
  const factory = ctx.unwrapResult(ctx.evalCode(PRELUDE_SOURCE, 'sandtier-prelude.js'))
  const partNames = ctx.unwrapResult(ctx.evalCode(JSON.stringify(Object.keys(PRELUDE_PARTS))))
  const api = ctx.unwrapResult(ctx.callFunction(factory, ctx.undefined, native, partNames))
  partNames.dispose()
  factory.dispose()
  native.dispose()
  const get = (name: keyof PreludeApi): QuickJSHandle => ctx.getProp(api, name)
  const result: PreludeApi = {
    complete: get('complete'),
    describe: get('describe'),
    setInput: get('setInput'),
    fireTimer: get('fireTimer'),
    clearTimers: get('clearTimers'),
    installHostFunction: get('installHostFunction'),
  }
  api.dispose()
  return result
}
