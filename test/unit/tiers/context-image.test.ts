import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import {
  ContextImage,
  contextPointer,
  STACK_RESET_BYTES,
  type ImageLayout,
} from '../../../src/tiers/quickjs/context-image.js'
import { GUEST_STACK_BYTES, type GuestContext } from '../../../src/tiers/quickjs/guest-context.js'
import { ModuleStash } from '../../../src/tiers/quickjs/module-stash.js'
import {
  QUICKJS_STACK_BYTES,
  readStaticLayout,
  type StaticLayout,
} from '../../../src/tiers/quickjs/wasm-layout.js'

const require = createRequire(import.meta.url)
const wasmBytes = readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'))
const wasmModule = new WebAssembly.Module(wasmBytes)
const WARM_PAGES = 1024

function staticLayout(): StaticLayout {
  const layout = readStaticLayout(wasmBytes)
  if ('unsupported' in layout) throw new Error(layout.unsupported)
  return layout
}

function evaluate(guest: GuestContext, code: string): unknown {
  const ctx = guest.context
  return ctx.dump(ctx.unwrapResult(ctx.evalCode(code)))
}

async function filledStash(): Promise<ModuleStash> {
  const stash = new ModuleStash({
    wasmModule,
    warmPages: WARM_PAGES,
    target: 2,
    staticLayout: staticLayout(),
  })
  await stash.fill()
  return stash
}

describe('wasm static layout', () => {
  it('reads the stack top of the QuickJS build and puts its static data 5 MiB below', () => {
    const layout = staticLayout()
    expect(layout.dataEnd).toBe(layout.stackHigh - QUICKJS_STACK_BYTES)
    expect(layout.dataEnd).toBeGreaterThan(1024)
  })

  it('refuses binaries that are not laid out like it, with the reason', () => {
    const empty = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])
    expect(readStaticLayout(empty)).toEqual({
      unsupported: '0 mutable i32 globals (expected the stack pointer only)',
    })
    // A global section cut off in the middle of its first entry.
    const truncated = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 6, 3, 1, 0x7f])
    expect(readStaticLayout(truncated)).toHaveProperty('unsupported')
  })
})

describe('context image', () => {
  it('is learned on the pinned QuickJS build, so ended sandboxes are reset rather than rebuilt', async () => {
    const stash = await filledStash()
    expect(stash.imageUnsupported).toBeUndefined()
    const guest = await stash.take(WARM_PAGES)
    evaluate(
      guest,
      "globalThis.leak = 'secret'; Object.prototype.polluted = 1; Array.prototype.map = null",
    )
    stash.recycle(guest)
    const again = await stash.take(WARM_PAGES)
    expect(again).toBe(guest) // the same module, reset in place
    expect(evaluate(again, '[typeof leak, typeof ({}).polluted, typeof [].map]')).toEqual([
      'undefined',
      'undefined',
      'function',
    ])
  })

  it('resets contexts of other memory limits too, and hands them back for that limit only', async () => {
    const stash = await filledStash()
    const small = await stash.take(512)
    evaluate(small, "globalThis.leak = 'secret'")
    stash.recycle(small)
    const other = await stash.take(WARM_PAGES)
    expect(other).not.toBe(small)
    const again = await stash.take(512)
    expect(again).toBe(small)
    expect(again.module.maxPages).toBe(512)
    expect(evaluate(again, 'typeof leak')).toBe('undefined')
  })

  it('gives every ready context its own unpredictable Math.random seed, again after a reset', async () => {
    const stash = await filledStash()
    const seen = new Set<unknown>()
    for (let i = 0; i < 12; i++) {
      const guest = await stash.take(WARM_PAGES)
      seen.add(evaluate(guest, 'Math.random()'))
      stash.recycle(guest)
    }
    expect(seen.size).toBe(12)
  })

  it('does not match a module whose state moved, and refuses to restore into grown memory', async () => {
    const stash = await filledStash()
    const guest = await stash.take(WARM_PAGES)
    const layout = stash.imageLayout
    if (!layout) throw new Error(stash.imageUnsupported)
    const context = contextPointer(guest.context)
    const image = ContextImage.capture(layout, guest.memory, context)
    expect(image?.matches(guest.memory, context)).toBe(true)
    evaluate(guest, 'globalThis.x = [1, 2, 3]')
    expect(image?.matches(guest.memory, context)).toBe(false)
    evaluate(guest, 'globalThis.big = new ArrayBuffer(24 * 1024 * 1024)')
    expect(image?.restore(guest.memory)).toBe(false)
  })
})

/** [first, last] nonzero byte addresses in [from, to), or undefined when all are zero. */
function nonzeroSpan(
  memory: WebAssembly.Memory,
  from: number,
  to: number,
): [number, number] | undefined {
  const bytes = new Uint8Array(memory.buffer, from, to - from)
  const first = bytes.findIndex((b) => b !== 0)
  if (first < 0) return undefined
  return [from + first, from + bytes.findLastIndex((b) => b !== 0)]
}

/** Runs guest code to its end, whatever it throws (stack overflows included). */
function runToEnd(guest: GuestContext, code: string): void {
  const result = guest.context.evalCode(code)
  ;(result.error ?? result.value).dispose()
}

// Workloads that reach deepest into the C stack (each ends with QuickJS's own stack overflow) or move the
// heap's break the most.
const DEEP_AND_WIDE = [
  'function f(n) { return n ? f(n - 1) + 1 : 0 }; f(1e6)',
  'function f(n) { return [2, 1].sort(() => (f(n + 1), 0)) }; f(0)',
  'const o = { toString() { return String(o) } }; String(o)',
  'let o = []; for (let i = 0; i < 200000; i++) o = [o]; o.flat(Infinity)',
  'let o = []; for (let i = 0; i < 200000; i++) o = [o]; String(o)',
  "function f() { return 'a'.replace('a', f) }; f()",
  'let p = {}; for (let i = 0; i < 200000; i++) p = new Proxy(p, {}); p.x',
  "JSON.parse('['.repeat(200000) + ']'.repeat(200000))",
  "eval('{'.repeat(100000) + '}'.repeat(100000))",
  "globalThis.big = new ArrayBuffer(6e6); new Uint8Array(big).fill(7); globalThis.s = 'x'.repeat(1e6) + 'y'",
  "/(\\d+)-(\\w+)/.exec('12-ab'.repeat(100000)); JSON.stringify({ k: 'v'.repeat(3e5) }).length",
]

describe('context reset: what a sandbox can leave outside the image', () => {
  it('nothing is written above the break, nor in the stack below the zeroed top', async () => {
    const stash = await filledStash()
    const layout = stash.imageLayout
    if (!layout) throw new Error(stash.imageUnsupported)
    const guest = await stash.take(WARM_PAGES)
    let deepest = 0
    for (const code of DEEP_AND_WIDE) {
      runToEnd(guest, code)
      const memory = guest.memory
      const brk = new DataView(memory.buffer).getUint32(layout.brkAddress, true)
      expect({ code, aboveBreak: nonzeroSpan(memory, brk, memory.buffer.byteLength) }).toEqual({
        code,
        aboveBreak: undefined,
      })
      const stackLow = layout.stackHigh - STACK_RESET_BYTES
      expect({ code, belowReset: nonzeroSpan(memory, layout.dataEnd, stackLow) }).toEqual({
        code,
        belowReset: undefined,
      })
      const used = nonzeroSpan(memory, stackLow, layout.stackHigh)
      if (used) deepest = Math.max(deepest, layout.stackHigh - used[0])
    }
    // The workloads did reach QuickJS's stack limit, so the bound above was exercised.
    expect(deepest).toBeGreaterThan(GUEST_STACK_BYTES)
  })

  it('zeroes the heap above the image and the top of the stack', async () => {
    const stash = await filledStash()
    const layout = stash.imageLayout
    if (!layout) throw new Error(stash.imageUnsupported)
    const guest = await stash.take(WARM_PAGES)
    const fresh = guest.memory.buffer.slice(0)
    runToEnd(guest, DEEP_AND_WIDE[0] as string)
    runToEnd(guest, DEEP_AND_WIDE[9] as string)
    stash.recycle(guest)
    expect(await stash.take(WARM_PAGES)).toBe(guest)
    // Byte for byte the fresh module, but for the seed and the stack its own build used (now zero).
    const now = new Uint8Array(guest.memory.buffer)
    const before = new Uint8Array(fresh)
    const seed = contextPointer(guest.context) + layout.seedOffset
    let differing = 0
    for (let i = 0; i < now.length; i++)
      if (now[i] !== before[i] && (i < seed || i >= seed + 8) && now[i] !== 0) differing++
    expect(differing).toBe(0)
  })

  it.each([
    [
      'its stack was written below the zeroed top',
      (l: ImageLayout) => l.stackHigh - STACK_RESET_BYTES - 100,
    ],
    ['its break points past its memory', (l: ImageLayout) => l.brkAddress],
  ])('drops a module instead of resetting it when %s', async (_, address) => {
    const stash = await filledStash()
    const layout = stash.imageLayout
    if (!layout) throw new Error(stash.imageUnsupported)
    const guest = await stash.take(WARM_PAGES)
    evaluate(guest, "globalThis.leak = 'secret'")
    const at = address(layout)
    new DataView(guest.memory.buffer).setUint32(at, at === layout.brkAddress ? 0x7fff0000 : 1, true)
    stash.recycle(guest)
    expect(await stash.take(WARM_PAGES)).not.toBe(guest)
  })
})
