/**
 * One sandbox's QuickJS runtime and context inside a guest worker, with the natives the prelude needs
 * (installed by guest-prelude.ts; those that act on the run in progress are in guest-run-natives.ts).
 *
 * Handles never leave the guest-* files: the rest of the worker sees strings only.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten'
import type { QuickJSWASMModule } from 'quickjs-emscripten'
import { installGuestEnv } from './guest-env.js'
import { installPrelude, type PreludeApi } from './guest-prelude.js'
import type { RunState } from './run-state.js'
import { runNatives } from './guest-run-natives.js'
import { ERROR_JSON_CHARS, readString } from './bounded-read.js'
import type { EvalMode } from './source-transform.js'
import { guestModuleLoader } from './folder-modules.js'

/** A QuickJS WASM module with its own memory, whose maximum is the sandbox's memory limit. */
export interface OwnModule {
  module: QuickJSWASMModule
  memory: WebAssembly.Memory
  maxPages: number
}

/** QuickJS stack limit. Above 128 KiB, deep recursion or JSON nesting overflows the host V8 stack. */
export const GUEST_STACK_BYTES = 128 * 1024

/** What ties a ready context to its sandbox. */
export interface GuestBinding {
  memoryLimitBytes: number
  hostFunctionNames: readonly string[]
  /** The global `env` (secrets' placeholders by name); none when the sandbox has no secrets. */
  env?: Readonly<Record<string, string>> | undefined
  /** Posts a host call to the host thread. */
  sendHostCall: (callId: number, name: string, argsJson: string) => void
  /** Runs a timer callback in the guest when a timer fires. */
  onTimer: (id: number) => void
}

const UNREADABLE_ERROR_JSON = '{"name":"Error","message":"unreadable error"}'

export class GuestContext {
  readonly memory: WebAssembly.Memory
  readonly #own: OwnModule
  readonly runtime: QuickJSRuntime
  readonly context: QuickJSContext
  readonly #api: PreludeApi
  #binding: GuestBinding | undefined
  /** The run in progress; natives and the interrupt handler act on it. */
  run: RunState | undefined
  #nextCall = 1

  constructor(own: OwnModule) {
    const { module, memory } = own
    this.#own = own
    this.memory = memory
    this.runtime = module.newRuntime()
    this.runtime.setMaxStackSize(GUEST_STACK_BYTES)
    this.runtime.setInterruptHandler(() => this.run?.shouldInterrupt() ?? false)
    this.runtime.setModuleLoader(guestModuleLoader(() => this.run))
    this.context = this.runtime.newContext()
    // quickjs-emscripten allocates its global-object handle on first use: do it now, so it is part of the
    // ready-context image rather than made during one sandbox's run and stale after the reset.
    void this.context.global
    this.#api = installPrelude(
      this.context,
      runNatives({
        context: this.context,
        run: () => this.run,
        sendHostCall: (callId, name, argsJson) =>
          this.#binding?.sendHostCall(callId, name, argsJson),
        onTimer: (id) => this.#binding?.onTimer(id),
        nextCallId: () => this.#nextCall++,
      }),
    )
  }

  /** The module and memory this context lives in. */
  get module(): OwnModule {
    return this.#own
  }

  /** Forgets the sandbox this context served, after its memory was reset to the ready image. */
  resetState(): void {
    this.#binding = undefined
    this.run = undefined
    this.#nextCall = 1
  }

  /** Ties this ready context to a sandbox: its memory limit, host functions and callbacks. Once only. */
  bind(binding: GuestBinding): this {
    if (this.#binding) throw new Error('guest context already bound')
    this.#binding = binding
    this.#bindLimitAndHostFunctions(binding)
    if (binding.env !== undefined) installGuestEnv(this.context, binding.env)
    return this
  }

  #bindLimitAndHostFunctions(binding: GuestBinding): void {
    // Stops a single oversized allocation early; the memory's maximum bounds the total.
    this.runtime.setMemoryLimit(binding.memoryLimitBytes)
    const ctx = this.context
    const install = this.#api.installHostFunction
    for (const name of binding.hostFunctionNames) {
      ctx
        .newString(name)
        .consume((n) => ctx.unwrapResult(ctx.callFunction(install, ctx.undefined, n)).dispose())
    }
  }

  /**
   * Ties this context to a sandbox whose image was just written into its memory (guest-image.ts): the
   * memory limit and the host functions are part of the image, so only the host side is bound. `rebind`
   * (a snapshot restored under a config of its own): the memory limit is set and the config's host
   * functions installed again, through the prelude's own installer (it uses only intrinsics it captured
   * before any guest code ran). The global `env` is the image's: a restore with secrets is refused.
   */
  adopt(binding: GuestBinding, rebind = false): this {
    if (this.#binding) throw new Error('guest context already bound')
    this.#binding = binding
    if (rebind) this.#bindLimitAndHostFunctions(binding)
    return this
  }

  /** Hands a host reply to the guest promise waiting for it. */
  settleHostCall(callId: number, replyJson: string): void {
    const run = this.run
    const deferred = run?.takeHostCall(callId)
    if (!run || !deferred) return
    if (deferred.alive) this.context.newString(replyJson).consume((s) => deferred.resolve(s))
    run.wake()
  }

  setInput(inputJson: string | undefined): QuickJSHandle | undefined {
    const ctx = this.context
    const arg = inputJson === undefined ? ctx.undefined : ctx.newString(inputJson)
    const result = ctx.callFunction(this.#api.setInput, ctx.undefined, arg)
    if (arg !== ctx.undefined) arg.dispose()
    if (result.error) return result.error
    result.value.dispose()
    return undefined
  }

  /**
   * Starts the completion of a run's value: a promise handle (the intrinsic one of an async function)
   * that settles with tagged text (see the 'complete' part), the value's JSON at most maxChars long.
   */
  complete(
    value: QuickJSHandle,
    mode: EvalMode,
    maxChars: number,
  ): QuickJSHandle | { error: QuickJSHandle } {
    const ctx = this.context
    const result = ctx
      .newString(mode)
      .consume((m) =>
        ctx
          .newNumber(maxChars)
          .consume((n) => ctx.callFunction(this.#api.complete, ctx.undefined, value, m, n)),
      )
    return result.error ? { error: result.error } : result.value
  }

  /** Describes a thrown guest value as a JSON string, inside the guest; read only if it is within bounds. */
  describe(thrown: QuickJSHandle): string | undefined {
    const ctx = this.context
    const result = ctx.callFunction(this.#api.describe, ctx.undefined, thrown)
    if (result.error) {
      result.error.dispose()
      return undefined
    }
    // Longer than any description the guest part makes: not read, and not taken for running out of memory.
    return result.value.consume(
      (s) => readString(ctx, s, ERROR_JSON_CHARS) ?? UNREADABLE_ERROR_JSON,
    )
  }

  fireTimer(id: number): QuickJSHandle | undefined {
    const ctx = this.context
    const result = ctx
      .newNumber(id)
      .consume((n) => ctx.callFunction(this.#api.fireTimer, ctx.undefined, n))
    if (result.error) return result.error
    result.value.dispose()
    return undefined
  }

  clearGuestTimers(): void {
    const ctx = this.context
    const result = ctx.callFunction(this.#api.clearTimers, ctx.undefined)
    ;(result.error ?? result.value).dispose()
  }

  /** The sandbox's memory limit: the module memory's maximum. */
  get memoryLimitBytes(): number {
    return this.#own.maxPages * 65536
  }

  /**
   * True when the wasm memory has grown past half its maximum. An allocation fails once the memory cannot grow
   * by the chunk it needs (a doubling array's next backing store), often well before the maximum itself.
   */
  memoryExhausted(): boolean {
    return this.memory.buffer.byteLength * 2 >= this.memoryLimitBytes
  }

  /** Frees the context and runtime and hands back the module for reuse. */
  release(): OwnModule | undefined {
    return this.dispose() ? this.#own : undefined
  }

  /** Frees the context and runtime. A runtime broken by a host stack overflow may abort here: ignored. */
  dispose(): boolean {
    try {
      for (const handle of Object.values(this.#api) as QuickJSHandle[])
        if (handle.alive) handle.dispose()
      this.context.dispose()
      this.runtime.dispose()
      return true
    } catch {
      // The module is dropped with this context; its memory is reclaimed by GC.
      return false
    }
  }
}
