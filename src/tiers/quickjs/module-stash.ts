/**
 * Ready guest contexts: each a QuickJS WASM module with its own WebAssembly.Memory whose maximum is the
 * sandbox's memory limit, plus a runtime and a context with the prelude installed. setMemoryLimit alone does
 * not bound the heap under emscripten (it grew to 2 GiB under a 32 MiB limit), so the memory's maximum is
 * the real bound.
 *
 * When a sandbox ends cleanly its module is reset to the ready image (context-image.ts, ~7 µs), which also
 * zeroes every byte the sandbox could have left outside the image, and goes back to the stock for its memory
 * limit (only the default limit's stock is filled ahead of demand; other limits fill as their sandboxes end).
 * Measured on back-to-back run('1+1'), the zeroing adds ~5 µs to the p50 (~0.05 ms); deferring the reset
 * until the reply was posted saved nothing measurable, so it stays synchronous. Any module that cannot be
 * reset that way (an unsupported build, grown memory, a crash) is dropped whole, never given a new context:
 * freeing a runtime leaves its data in the freed heap, where a guest with a read primitive would find it.
 * Instantiating a module (2–5 ms) and building a context (~1.5 ms) happen in the worker's idle time, one
 * step per event-loop turn: a message that arrives meanwhile waits one step.
 */
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC } from 'quickjs-emscripten'
import {
  ContextImage,
  contextPointer,
  discoverImageLayout,
  reseed,
  type ImageLayout,
} from './context-image.js'
import { WASM_PAGE_BYTES } from '../../config.js'
import { GuestContext, type OwnModule } from './guest-context.js'
import type { StaticLayout } from './wasm-layout.js'
import type { ImageSource } from './guest-image.js'

/** QuickJS's emscripten build declares a 16 MiB minimum memory. */
export const QUICKJS_MIN_PAGES = 256

/** Reset contexts kept beyond the ready target: each costs ~0.3 MiB of pages. */
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
  /** Contexts that matched the image when built, so resetting them to it is exact. */
  readonly #resettable = new WeakSet<GuestContext>()
  /** Every guest the stash holds (ready or kept): one handed back twice is never stocked twice. */
  readonly #stocked = new WeakSet<GuestContext>()
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

  /**
   * What sandbox images are taken against (guest-image.ts): the layout, the ready-context image, and which
   * guests match it. Undefined until the first context was built, or when the build has no image.
   */
  get imageSource(): ImageSource | undefined {
    const layout = this.#imageLayout
    const image = this.#image
    if (!layout || !image) return undefined
    return (this.#imageSource ??= {
      layout,
      baseline: image.baseline,
      matches: (guest) => this.#resettable.has(guest),
    })
  }

  #imageSource: ImageSource | undefined

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
    if (ready) {
      this.#stocked.delete(ready)
      return ready
    }
    return this.#newContext(await this.instantiate(maxPages))
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
   * Takes back the guest of a sandbox whose runs did not crash. It is reused only when it matched the image
   * when built and the reset succeeds (any memory maximum: the maximum is not part of the bytes); every other
   * module is dropped whole, its memory with it. A guest with a run still in progress (its sandbox was
   * destroyed while the run waited) is never reused: the run would go on in the next sandbox's context.
   */
  recycle(guest: GuestContext): void {
    if (guest.run || this.#stocked.has(guest) || !this.#image || !this.#resettable.has(guest))
      return
    const own = guest.module
    const warmSize = own.maxPages === this.#options.warmPages
    if (
      warmSize
        ? this.#ready.length >= this.#options.target + KEPT_EXTRA
        : this.#otherSizesKept >= KEPT_OTHER_SIZES
    )
      return
    // Dropped when the reset cannot vouch for it (grown memory, a broken break, a stack run past the limit).
    if (!this.#image.restore(own.memory)) {
      this.#resettable.delete(guest)
      return
    }
    guest.resetState()
    this.#stocked.add(guest)
    if (warmSize) this.#ready.push(guest)
    else this.#keepOtherSize(guest)
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

  /** A context on a freshly instantiated module; the image is captured from the first one. */
  #newContext(own: OwnModule): GuestContext {
    const guest = new GuestContext(own)
    const layout = this.#imageLayout
    if (!layout) return guest
    const context = contextPointer(guest.context)
    if (own.memory.buffer.byteLength === QUICKJS_MIN_PAGES * WASM_PAGE_BYTES) {
      this.#image ??= ContextImage.capture(layout, own.memory, context)
      // A byte comparison: a module matches only if its allocator state came out identical.
      if (this.#image?.matches(own.memory, context)) this.#resettable.add(guest)
    }
    reseed(layout, own.memory, context)
    return guest
  }

  async #buildOne(): Promise<void> {
    const guest = this.#newContext(await this.instantiate(this.#options.warmPages))
    this.#stocked.add(guest)
    this.#ready.push(guest)
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
    if (this.#ready.length >= this.#options.target) return false
    await this.#buildOne()
    return true
  }
}
