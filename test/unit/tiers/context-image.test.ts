import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { ContextImage, contextPointer } from '../../../src/tiers/quickjs/context-image.js'
import type { GuestContext } from '../../../src/tiers/quickjs/guest-context.js'
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
    expect(() => image?.restore(guest.memory)).toThrow(/memory grew/)
  })
})
