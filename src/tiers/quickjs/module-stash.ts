/**
 * Ready guest contexts: each a QuickJS WASM module with its own WebAssembly.Memory whose maximum is the
 * sandbox's memory limit, plus a runtime and a context with the prelude installed. setMemoryLimit alone does
 * not bound the heap under emscripten (it grew to 2 GiB under a 32 MiB limit), so the memory's maximum is
 * the real bound.
 *
 * When a sandbox ends cleanly its module is reset to the ready image (context-image.ts, ~10 µs) and goes
 * straight back to the stock for its memory limit (only the default limit's stock is filled ahead of
 * demand; other limits fill as their sandboxes end). Without an image (an unsupported build), the runtime is
 * freed and a new
 * context built on the module. Instantiating a module (2–5 ms) and building a context (~1.5 ms) happen in
 * the worker's idle time, one step per event-loop turn: a message that arrives meanwhile waits one step.
 */
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC } from 'quickjs-emscripten'
import {
  ContextImage,
  contextPointer,
  discoverImageLayout,
  reseed,
  type ImageLayout,
} from './context-image.js'
import { GuestContext, type OwnModule } from './guest-context.js'
import type { StaticLayout } from './wasm-layout.js'

/** QuickJS's emscripten build declares a 16 MiB minimum memory. */
export const QUICKJS_MIN_PAGES = 256

/** Contexts kept beyond the ready target (reset ones, freed modules): each costs ~0.3 MiB of pages. */
const KEPT_EXTRA = 4
/** Reset contexts kept for sandboxes with other memory limits, all sizes together. */
const KEPT_OTHER_SIZES = 8

export interface ModuleStashOptions {
  wasmModule: WebAssembly.Module
  /** Memory maximum (pages) of the contexts kept ready: the default memory limit. */
  warmPages: number
  /** Contexts kept ready. */
  target: number
  /** The build's static layout, read from the wasm bytes; without it modules are never reset. */
  staticLayout: StaticLayout | undefined
}

export class ModuleStash {
  readonly #options: ModuleStashOptions
  readonly #ready: GuestContext[] = []
  /** Reset contexts whose memory maximum is not the warm size, by maximum (pages). */
  readonly #otherSizes = new Map<number, GuestContext[]>()
  #otherSizesKept = 0
  /** Guests of ended sandboxes that could not be reset: freed, keeping the module, when the worker idles. */
  readonly #retired: GuestContext[] = []
  /** Modules whose runtime was freed cleanly, waiting for a new runtime and context. */
  readonly #recycled: OwnModule[] = []
  /** Contexts that matched the image when built, so resetting them to it is exact. */
  readonly #resettable = new WeakSet<GuestContext>()
  #imageLayout: ImageLayout | undefined
  #image: ContextImage | undefined
  /** Why modules are not reset to an image, if they are not. */
  imageUnsupported: string | undefined
  #scheduled = false
  /** Shared with the host: slot 0 is 1 while idle work is pending or running. */
  #idleWorkBoard: Int32Array | undefined

  constructor(options: ModuleStashOptions) {
    this.#options = options
    if (!options.staticLayout) this.imageUnsupported = 'no static layout'
  }

  /** Where the break pointer and the seed live, once learned (undefined when unsupported). */
  get imageLayout(): ImageLayout | undefined {
    return this.#imageLayout
  }

  async instantiate(maxPages: number): Promise<OwnModule> {
    const memory = new WebAssembly.Memory({ initial: QUICKJS_MIN_PAGES, maximum: maxPages })
    const module = await newQuickJSWASMModuleFromVariant(
      newVariant(RELEASE_SYNC, { wasmModule: this.#options.wasmModule, wasmMemory: memory }),
    )
    return { module, memory, maxPages }
  }

  /** A context whose memory is bounded at `maxPages`: a ready one when the size matches, else built now. */
  async take(maxPages: number): Promise<GuestContext> {
    const warmSize = maxPages === this.#options.warmPages
    const ready = warmSize ? this.#ready.pop() : this.#takeOtherSize(maxPages)
    // Ended sandboxes usually refill the stock by reset; build only when it runs short.
    if (this.#ready.length < this.#options.target) this.#schedule()
    if (ready) return ready
    const recycled = warmSize ? this.#recycledModule() : undefined
    if (recycled) return this.#newContext(recycled, false)
    return this.#newContext(await this.instantiate(maxPages), true)
  }

  /** Learns the image layout on a scratch module, then builds the ready contexts (at worker start). */
  async fill(): Promise<void> {
    const staticLayout = this.#options.staticLayout
    if (staticLayout && !this.#imageLayout && !this.imageUnsupported) {
      const scratch = await this.instantiate(this.#options.warmPages)
      const found = discoverImageLayout(scratch.module, scratch.memory, staticLayout)
      if ('unsupported' in found) this.imageUnsupported = found.unsupported
      else this.#imageLayout = found
    }
    while (this.#ready.length < this.#options.target) await this.#buildOne()
  }

  /**
   * Takes back the guest of a sandbox whose runs did not crash. Only modules whose memory never grew are
   * kept (memory never shrinks): reset to the image when they match it (any memory maximum: the maximum is
   * not part of the bytes), else, at the warm size only, their runtime is freed and a new context built.
   * Either way no object of the old sandbox survives; QuickJS zero-fills every buffer it hands to guest
   * code, so freed bytes are never readable either.
   */
  recycle(guest: GuestContext): void {
    const own = guest.module
    const pristine = own.memory.buffer.byteLength === QUICKJS_MIN_PAGES * 65536
    // Anything else is dropped whole: its memory goes with it, so freeing the runtime first is wasted work.
    if (!pristine) return
    const warmSize = own.maxPages === this.#options.warmPages
    if (this.#image && this.#resettable.has(guest)) {
      if (
        warmSize
          ? this.#ready.length >= this.#options.target + KEPT_EXTRA
          : this.#otherSizesKept >= KEPT_OTHER_SIZES
      )
        return
      this.#image.restore(own.memory)
      guest.resetState()
      if (warmSize) this.#ready.push(guest)
      else this.#keepOtherSize(guest)
      return
    }
    if (!warmSize) return
    this.#retired.push(guest)
    this.#schedule()
  }

  #keepOtherSize(guest: GuestContext): void {
    const pages = guest.module.maxPages
    const stock = this.#otherSizes.get(pages)
    if (stock) stock.push(guest)
    else this.#otherSizes.set(pages, [guest])
    this.#otherSizesKept++
  }

  #takeOtherSize(pages: number): GuestContext | undefined {
    const stock = this.#otherSizes.get(pages)
    const guest = stock?.pop()
    if (!guest) return undefined
    this.#otherSizesKept--
    if (stock?.length === 0) this.#otherSizes.delete(pages)
    return guest
  }

  /** Publishes whether idle work is pending, for the host's placement of new sandboxes. */
  reportIdleWork(board: Int32Array): void {
    this.#idleWorkBoard = board
    Atomics.store(board, 0, this.#scheduled ? 1 : 0)
  }

  /** A context on `own`; the image is captured from the first one on a fresh module (`fresh`). */
  #newContext(own: OwnModule, fresh: boolean): GuestContext {
    const guest = new GuestContext(own)
    const layout = this.#imageLayout
    if (!layout) return guest
    const context = contextPointer(guest.context)
    if (own.memory.buffer.byteLength === QUICKJS_MIN_PAGES * 65536) {
      if (fresh) this.#image ??= ContextImage.capture(layout, own.memory, context)
      // A byte comparison: a rebuilt module matches only if its allocator state came out identical.
      if (this.#image?.matches(own.memory, context)) this.#resettable.add(guest)
    }
    reseed(layout, own.memory, context)
    return guest
  }

  #recycledModule(): OwnModule | undefined {
    const own = this.#recycled.pop()
    if (own) return own
    const retired = this.#retired.pop()
    return retired?.release()
  }

  async #buildOne(): Promise<void> {
    const recycled = this.#recycledModule()
    this.#ready.push(
      recycled
        ? this.#newContext(recycled, false)
        : this.#newContext(await this.instantiate(this.#options.warmPages), true),
    )
  }

  /** One step of idle work per turn of the event loop, so messages are served between steps. */
  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    this.#publishIdleWork(1)
    setImmediate(() => {
      this.#scheduled = false
      this.#step().then(
        (more) => {
          if (more) this.#schedule()
          else this.#publishIdleWork(0)
        },
        () => this.#publishIdleWork(0),
      )
    })
  }

  #publishIdleWork(flag: 0 | 1): void {
    if (this.#idleWorkBoard) Atomics.store(this.#idleWorkBoard, 0, flag)
  }

  async #step(): Promise<boolean> {
    const retired = this.#retired.pop()
    if (retired) {
      const own = retired.release()
      if (own && this.#recycled.length < this.#options.target + KEPT_EXTRA) this.#recycled.push(own)
      return true
    }
    if (this.#ready.length >= this.#options.target) return false
    await this.#buildOne()
    return true
  }
}
