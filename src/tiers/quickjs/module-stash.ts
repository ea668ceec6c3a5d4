/**
 * Ready guest contexts: each a QuickJS WASM module with its own WebAssembly.Memory whose maximum is the
 * sandbox's memory limit, plus a runtime and a context with the prelude installed. setMemoryLimit alone does
 * not bound the heap under emscripten (it grew to 2 GiB under a 32 MiB limit), so the memory's maximum is
 * the real bound.
 *
 * Instantiating a module costs 2–5 ms and building a context on it ~0.5 ms, so both happen in the worker's
 * idle time, one step per event-loop turn: a message that arrives meanwhile waits for one step at most.
 * Modules of sandboxes that ended cleanly are reused, so a stream of short sandboxes instantiates nothing.
 */
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC } from 'quickjs-emscripten'
import { GuestContext, type OwnModule } from './guest-context.js'

/** QuickJS's emscripten build declares a 16 MiB minimum memory. */
export const QUICKJS_MIN_PAGES = 256

/** Recycled modules kept beyond the ready contexts: each costs its touched pages (~0.3 MiB). */
const RECYCLED_EXTRA = 4

export class ModuleStash {
  readonly #wasmModule: WebAssembly.Module
  readonly #warmPages: number
  readonly #target: number
  readonly #ready: GuestContext[] = []
  /** Guests of ended sandboxes, to be freed (and their module kept) when the worker is idle. */
  readonly #retired: GuestContext[] = []
  /** Modules whose runtime was freed cleanly, waiting for a new runtime and context. */
  readonly #recycled: OwnModule[] = []
  #scheduled = false

  constructor(wasmModule: WebAssembly.Module, warmPages: number, target: number) {
    this.#wasmModule = wasmModule
    this.#warmPages = warmPages
    this.#target = target
  }

  async instantiate(maxPages: number): Promise<OwnModule> {
    const memory = new WebAssembly.Memory({ initial: QUICKJS_MIN_PAGES, maximum: maxPages })
    const module = await newQuickJSWASMModuleFromVariant(
      newVariant(RELEASE_SYNC, { wasmModule: this.#wasmModule, wasmMemory: memory }),
    )
    return { module, memory, maxPages }
  }

  /** A context whose memory is bounded at `maxPages`: a ready one when the size matches, else built now. */
  async take(maxPages: number): Promise<GuestContext> {
    const warmSize = maxPages === this.#warmPages
    const ready = warmSize ? this.#ready.pop() : undefined
    this.#schedule()
    if (ready) return ready
    const own =
      (warmSize ? this.#recycledModule() : undefined) ?? (await this.instantiate(maxPages))
    return new GuestContext(own)
  }

  /** Builds the ready contexts now (at worker start). */
  async fill(): Promise<void> {
    while (this.#ready.length < this.#target) await this.#buildOne()
  }

  /**
   * Takes back the guest of a sandbox that ended cleanly. Only modules at the warm size whose memory never
   * grew are kept (memory never shrinks); the old runtime is freed before reuse, and QuickJS zero-fills
   * every buffer it hands to guest code.
   */
  recycle(guest: GuestContext): void {
    const own = guest.module
    const pristine = own.memory.buffer.byteLength === QUICKJS_MIN_PAGES * 65536
    // Anything else is dropped whole: its memory goes with it, so freeing the runtime first is wasted work.
    if (own.maxPages !== this.#warmPages || !pristine) return
    this.#retired.push(guest)
    this.#schedule()
  }

  #recycledModule(): OwnModule | undefined {
    const own = this.#recycled.pop()
    if (own) return own
    const retired = this.#retired.pop()
    return retired?.release()
  }

  async #buildOne(): Promise<void> {
    const own = this.#recycledModule() ?? (await this.instantiate(this.#warmPages))
    this.#ready.push(new GuestContext(own))
  }

  /** One step of idle work per turn of the event loop, so messages are served between steps. */
  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#step().then(
        (more) => {
          if (more) this.#schedule()
        },
        () => undefined,
      )
    })
  }

  async #step(): Promise<boolean> {
    const retired = this.#retired.pop()
    if (retired) {
      const own = retired.release()
      if (own && this.#recycled.length < this.#target + RECYCLED_EXTRA) this.#recycled.push(own)
      return true
    }
    if (this.#ready.length >= this.#target) return false
    await this.#buildOne()
    return true
  }
}
