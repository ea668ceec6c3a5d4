/**
 * A byte image of a ready guest context (module memory right after runtime, context and prelude were built),
 * used to reset a module to that state when its sandbox ends: ~210 KB copied back (~10 µs) instead of
 * freeing the runtime (~0.12 ms) and building a new context with its prelude (~1.5 ms).
 *
 * Why this is sound: building a ready context is deterministic (same binary, same calls, same malloc
 * sequence), so every module's ready state is byte-identical except Math.random's seed, and the host-side
 * wrappers (runtime, context and prelude handles) hold the same pointers. The image covers all live state:
 * static data and bss (allocator state, the break pointer) and the heap up to the break. A module is reset
 * only if it matched the image when built, its memory never grew and its last run did not crash.
 *
 * Why the next tenant gets nothing of the previous one: every byte the previous sandbox could have written
 * is rewritten (static data, the heap up to the image's break) or zeroed (the heap from the image's break up
 * to the break's high-water mark, and the stack region a run can reach). The allocator never lowers its break
 * (checked when the layout is learned), so the break before the reset is its high-water mark, and nothing in
 * this build writes above the break. A run's C stack is bounded by QuickJS's stack limit (GUEST_STACK_BYTES;
 * measured ≤ 130 KiB below the top with the deepest built-ins), so zeroing twice that is enough; a module
 * whose stack was written below that is not reset but dropped. See docs/security.md.
 *
 * Math.random's seed: QuickJS seeds it from the clock when a context is made, which a reset would rewind.
 * Every context entering the ready stock gets a fresh seed from the host's CSPRNG instead.
 */
import { randomFillSync } from 'node:crypto'
import type { QuickJSContext, QuickJSWASMModule } from 'quickjs-emscripten'
import { MiB } from '../../config.js'
import { GUEST_STACK_BYTES } from './guest-context.js'
import type { StaticLayout } from './wasm-layout.js'

export interface ImageLayout extends StaticLayout {
  /** Address of the allocator's break pointer (emscripten's sbrk value) in static data. */
  brkAddress: number
  /** Offset of Math.random's 64-bit state inside QuickJS's JSContext struct. */
  seedOffset: number
}

/** How far into the JSContext struct the seed is looked for. */
const CONTEXT_SCAN_BYTES = 4096
/** The top of the stack zeroed by a reset: twice what QuickJS's stack limit lets a run reach (1.6 µs). */
export const STACK_RESET_BYTES = 2 * GUEST_STACK_BYTES
/**
 * Just below the zeroed stack, checked to be still zero (0.8 µs): a run whose stack went deeper than the
 * limit allows is not reset but its module dropped.
 */
export const STACK_TRIPWIRE_BYTES = 64 * 1024

/** The JSContext pointer behind a context (quickjs-emscripten keeps it protected). */
export function contextPointer(context: QuickJSContext): number {
  return (context as unknown as { ctx: { value: number } }).ctx.value
}

/**
 * Finds the break pointer and the seed's offset by watching a scratch module (dropped afterwards): the
 * break is the highest static word that moves up by the size of two large allocations, with nothing written
 * above it; the seed is the one word of a new context that holds the clock in microseconds and changes
 * when Math.random runs.
 */
export function discoverImageLayout(
  scratch: QuickJSWASMModule,
  memory: WebAssembly.Memory,
  layout: StaticLayout,
): ImageLayout | { unsupported: string } {
  const runtime = scratch.newRuntime()
  const context = runtime.newContext()
  try {
    const nowUs = Date.now() * 1000
    const ctx = contextPointer(context)
    const seeds: number[] = []
    const view = new DataView(memory.buffer)
    for (let o = 0; o + 8 <= CONTEXT_SCAN_BYTES; o += 8) {
      const value = Number(view.getBigUint64(ctx + o, true))
      if (Math.abs(value - nowUs) < 600e6) seeds.push(o)
    }
    if (seeds.length !== 1) return { unsupported: `${seeds.length} seed candidates` }
    const seedOffset = seeds[0] as number
    const seedBefore = view.getBigUint64(ctx + seedOffset, true)
    context.unwrapResult(context.evalCode('Math.random()')).dispose()
    if (view.getBigUint64(ctx + seedOffset, true) === seedBefore)
      return { unsupported: 'Math.random did not move the seed candidate' }

    const words = layout.dataEnd >> 2
    const before = new Uint32Array(memory.buffer, 0, words).slice()
    context.unwrapResult(context.evalCode('globalThis.a = new ArrayBuffer(3 * 1048576)')).dispose()
    const middle = new Uint32Array(memory.buffer, 0, words).slice()
    context.unwrapResult(context.evalCode('globalThis.b = new ArrayBuffer(1048576)')).dispose()
    const after = new Uint32Array(memory.buffer, 0, words)
    const breaks: number[] = []
    for (let i = 0; i < words; i++) {
      const b = before[i] as number
      const m = middle[i] as number
      const a = after[i] as number
      const grew = m - b >= 3 * MiB && m - b < 4 * MiB && a - m >= MiB && a - m < 2 * MiB
      if (grew && b >= layout.stackHigh && a <= memory.buffer.byteLength) breaks.push(i << 2)
    }
    // The allocator's top-chunk pointer moves the same way, just below the break: the break is the highest
    // candidate, and nothing above it may have been written.
    let brkAddress: number | undefined
    for (const address of breaks)
      if (
        brkAddress === undefined ||
        (after[address >> 2] as number) > (after[brkAddress >> 2] as number)
      )
        brkAddress = address
    if (brkAddress === undefined) return { unsupported: 'no break pointer candidate' }
    const brk = after[brkAddress >> 2] as number
    if (!isZero(new Uint8Array(memory.buffer), brk, memory.buffer.byteLength))
      return { unsupported: 'memory above the break candidate was written' }
    // The reset zeroes up to the break it finds, so the break must be a high-water mark: freeing the 4 MiB
    // on top of the heap (past dlmalloc's 2 MiB trim threshold) must not give any back.
    context.unwrapResult(context.evalCode('globalThis.a = globalThis.b = undefined')).dispose()
    if (new DataView(memory.buffer).getUint32(brkAddress, true) !== brk)
      return { unsupported: 'the allocator lowers its break: the break is not a high-water mark' }
    return { ...layout, brkAddress, seedOffset }
  } finally {
    context.dispose()
    runtime.dispose()
  }
}

export class ContextImage {
  readonly #layout: ImageLayout
  readonly #data: Uint8Array
  readonly #heap: Uint8Array
  readonly #memoryBytes: number
  readonly #context: number

  private constructor(layout: ImageLayout, memory: WebAssembly.Memory, context: number) {
    const bytes = new Uint8Array(memory.buffer)
    this.#layout = layout
    this.#memoryBytes = bytes.length
    this.#context = context
    this.#data = bytes.slice(0, layout.dataEnd)
    this.#heap = bytes.slice(layout.stackHigh, breakOf(layout, memory))
  }

  /** The image's bytes: static data, and the heap from the stack's top to its break (read only). */
  get baseline(): { data: Uint8Array; heap: Uint8Array } {
    return { data: this.#data, heap: this.#heap }
  }

  /** The image of a module holding one freshly built context; undefined if its break looks wrong. */
  static capture(
    layout: ImageLayout,
    memory: WebAssembly.Memory,
    context: number,
  ): ContextImage | undefined {
    const brk = breakOf(layout, memory)
    if (brk < layout.stackHigh || brk > memory.buffer.byteLength) return undefined
    if (layout.stackHigh - layout.dataEnd < STACK_RESET_BYTES + STACK_TRIPWIRE_BYTES)
      return undefined
    return new ContextImage(layout, memory, context)
  }

  /** True when a freshly built module is this image, seed aside: only then may it be reset to it. */
  matches(memory: WebAssembly.Memory, context: number): boolean {
    const { dataEnd, stackHigh, seedOffset } = this.#layout
    if (context !== this.#context || memory.buffer.byteLength !== this.#memoryBytes) return false
    if (breakOf(this.#layout, memory) !== stackHigh + this.#heap.length) return false
    const bytes = Buffer.from(memory.buffer)
    const image = Buffer.from(this.#heap.buffer, this.#heap.byteOffset, this.#heap.length)
    const seed = context + seedOffset - stackHigh
    return (
      bytes.compare(this.#data, 0, dataEnd, 0, dataEnd) === 0 &&
      image.compare(bytes, stackHigh, stackHigh + seed, 0, seed) === 0 &&
      image.compare(bytes, stackHigh + seed + 8, stackHigh + image.length, seed + 8) === 0
    )
  }

  /**
   * Puts the module back to the image, with a fresh seed, and zeroes whatever the last sandbox may have
   * left outside it. False when the module cannot be vouched for (its memory grew, its break is not one the
   * allocator could have set, or its stack went below the zeroed region): it is then dropped, not reused.
   */
  restore(memory: WebAssembly.Memory): boolean {
    const bytes = new Uint8Array(memory.buffer)
    if (bytes.length !== this.#memoryBytes) return false
    const { stackHigh } = this.#layout
    const imageBreak = stackHigh + this.#heap.length
    // Read before the static data (which holds it) is put back: the highest break the sandbox reached.
    const highWater = breakOf(this.#layout, memory)
    if (highWater < imageBreak || highWater > bytes.length) return false
    const stackLow = stackHigh - STACK_RESET_BYTES
    if (!isZero(bytes, stackLow - STACK_TRIPWIRE_BYTES, stackLow)) return false
    bytes.fill(0, stackLow, stackHigh)
    bytes.fill(0, imageBreak, highWater)
    bytes.set(this.#data, 0)
    bytes.set(this.#heap, stackHigh)
    reseed(this.#layout, memory, this.#context)
    return true
  }
}

/** Gives a context an unpredictable Math.random seed (QuickJS's own is the clock in microseconds). */
export function reseed(layout: ImageLayout, memory: WebAssembly.Memory, context: number): void {
  new DataView(memory.buffer).setBigUint64(context + layout.seedOffset, nextSeed(), true)
}

const zeros = new Uint8Array(MiB)

/** True when bytes [from, to) are all zero. */
function isZero(bytes: Uint8Array, from: number, to: number): boolean {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  for (let at = from; at < to; at += MiB) {
    const end = Math.min(to, at + MiB)
    if (view.compare(zeros, 0, end - at, at, end) !== 0) return false
  }
  return true
}

function breakOf(layout: ImageLayout, memory: WebAssembly.Memory): number {
  return new DataView(memory.buffer).getUint32(layout.brkAddress, true)
}

const seeds = new BigUint64Array(256)
let nextSeedIndex = seeds.length

/** A nonzero 64-bit seed from the CSPRNG (xorshift must not start at zero), drawn in batches. */
function nextSeed(): bigint {
  if (nextSeedIndex === seeds.length) {
    randomFillSync(seeds)
    nextSeedIndex = 0
  }
  const seed = seeds[nextSeedIndex++] as bigint
  return seed === 0n ? 1n : seed
}
