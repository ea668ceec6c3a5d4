/**
 * Ready guest contexts: each a QuickJS WASM module with its own WebAssembly.Memory whose maximum is the
 * sandbox's memory limit, plus a runtime and a context with the prelude installed. setMemoryLimit alone does
 * not bound the heap under emscripten (it grew to 2 GiB under a 32 MiB limit), so the memory's maximum is
 * the real bound. Instantiating and installing the prelude cost several ms: keep some ready.
 */
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC } from 'quickjs-emscripten'
import { GuestContext, type OwnModule } from './guest-context.js'

/** QuickJS's emscripten build declares a 16 MiB minimum memory. */
export const QUICKJS_MIN_PAGES = 256

export class ModuleStash {
  readonly #wasmModule: WebAssembly.Module
  readonly #warmPages: number
  readonly #target: number
  readonly #ready: GuestContext[] = []
  /** Modules of sandboxes that ended cleanly, waiting for a fresh runtime and context. */
  readonly #recycled: OwnModule[] = []
  #refilling = false

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

  /** A context whose memory is bounded at `maxPages`: a warm one when the size matches, else a new one. */
  async take(maxPages: number): Promise<GuestContext> {
    const warm = maxPages === this.#warmPages ? this.#ready.pop() : undefined
    this.scheduleRefill()
    return warm ?? new GuestContext(await this.instantiate(maxPages))
  }

  async fill(): Promise<void> {
    while (this.#ready.length < this.#target)
      this.#ready.push(
        new GuestContext(this.#recycled.pop() ?? (await this.instantiate(this.#warmPages))),
      )
  }

  /**
   * Takes back the module of a sandbox that ended cleanly, for a new runtime and context: this saves the
   * instantiation. Only modules at the warm size whose memory never grew are kept (memory never shrinks);
   * the old runtime is freed first, and QuickJS zero-fills every buffer it hands to guest code.
   */
  recycle(guest: GuestContext): void {
    const own = guest.release()
    if (!own) return
    const pristine = own.memory.buffer.byteLength === QUICKJS_MIN_PAGES * 65536
    if (own.maxPages === this.#warmPages && pristine && this.#recycled.length < this.#target) {
      this.#recycled.push(own)
      this.scheduleRefill()
    }
  }

  // Refill after the current message is answered, so a waiting run never pays for it.
  scheduleRefill(): void {
    if (this.#refilling || this.#ready.length >= this.#target) return
    this.#refilling = true
    setTimeout(() => {
      this.fill()
        .catch(() => undefined)
        .finally(() => {
          this.#refilling = false
        })
    }, 5).unref()
  }
}
