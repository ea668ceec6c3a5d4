/**
 * A byte image of a ready guest context (module memory right after runtime, context and prelude were built),
 * used to reset a module to that state when its sandbox ends: ~210 KB copied back (~10 µs) instead of
 * freeing the runtime (~0.12 ms) and building a new context with its prelude (~1.5 ms).
 *
 * Why this is sound: building a ready context is deterministic (same binary, same calls, same malloc
 * sequence), so every module's ready state is byte-identical except Math.random's seed, and the host-side
 * wrappers (runtime, context and prelude handles) hold the same pointers. The image covers all live state:
 * static data and bss (allocator state, the break pointer) and the heap up to the break. The stack is not
 * copied: between calls nothing on it is live. A module is reset only if it matched the image when built,
 * its memory never grew and its last run did not crash.
 *
 * Math.random's seed: QuickJS seeds it from the clock when a context is made, which a reset would rewind.
 * Every context entering the ready stock gets a fresh seed from the host's CSPRNG instead.
 */
import { randomFillSync } from 'node:crypto'
import type { QuickJSContext, QuickJSWASMModule } from 'quickjs-emscripten'
import type { StaticLayout } from './wasm-layout.js'

export interface ImageLayout extends StaticLayout {
  /** Address of the allocator's break pointer (emscripten's sbrk value) in static data. */
  brkAddress: number
  /** Offset of Math.random's 64-bit state inside QuickJS's JSContext struct. */
  seedOffset: number
}

const MiB = 1024 * 1024
/** How far into the JSContext struct the seed is looked for. */
const CONTEXT_SCAN_BYTES = 4096

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
    if (!isZero(memory, after[brkAddress >> 2] as number))
      return { unsupported: 'memory above the break candidate was written' }
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

  /** The image of a module holding one freshly built context; undefined if its break looks wrong. */
  static capture(
    layout: ImageLayout,
    memory: WebAssembly.Memory,
    context: number,
  ): ContextImage | undefined {
    const brk = breakOf(layout, memory)
    if (brk < layout.stackHigh || brk > memory.buffer.byteLength) return undefined
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

  /** Puts the module back to the image, with a fresh seed. The memory must not have grown. */
  restore(memory: WebAssembly.Memory): void {
    if (memory.buffer.byteLength !== this.#memoryBytes) throw new Error('memory grew: cannot reset')
    const bytes = new Uint8Array(memory.buffer)
    bytes.set(this.#data, 0)
    bytes.set(this.#heap, this.#layout.stackHigh)
    reseed(this.#layout, memory, this.#context)
  }
}

/** Gives a context an unpredictable Math.random seed (QuickJS's own is the clock in microseconds). */
export function reseed(layout: ImageLayout, memory: WebAssembly.Memory, context: number): void {
  new DataView(memory.buffer).setBigUint64(context + layout.seedOffset, nextSeed(), true)
}

function isZero(memory: WebAssembly.Memory, from: number): boolean {
  const bytes = Buffer.from(memory.buffer)
  const zeros = Buffer.alloc(MiB)
  for (let at = from; at < bytes.length; at += MiB) {
    const end = Math.min(bytes.length, at + MiB)
    if (bytes.compare(zeros, 0, end - at, at, end) !== 0) return false
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
