/**
 * Issue 19 with the rules of issue 12: nothing of another sandbox is readable through a snapshot, a restore
 * or a fork (I19-16, I19-17).
 *
 * In-thread (as quickjs-reset-secret.test.ts): a sandbox holds a random secret; its module is reset and
 * taken by the next sandbox, into which another sandbox's image is restored. The whole linear memory the
 * restored sandbox gets is scanned from the host for the secret (Latin-1/UTF-8 and UTF-16LE), and so is the
 * image itself. Through the manager: on a one-worker manager a neighbour holds the secret; the snapshot of
 * another sandbox, decoded with the manager's key, holds none of it, nor does a fork's view of its memory.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'
import { decodeSnapshot } from '../../../src/manager/snapshot-format.js'
import type { GuestContext } from '../../../src/tiers/quickjs/guest-context.js'
import { restoreGuestImage, takeGuestImage } from '../../../src/tiers/quickjs/guest-image.js'
import { runGuest } from '../../../src/tiers/quickjs/guest-run.js'
import { ModuleStash } from '../../../src/tiers/quickjs/module-stash.js'
import { readStaticLayout, type StaticLayout } from '../../../src/tiers/quickjs/wasm-layout.js'

const require = createRequire(import.meta.url)
const wasmBytes = readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'))
const layout = readStaticLayout(wasmBytes) as StaticLayout
const WARM_PAGES = 1024
const cancelBoard = new Int32Array(new SharedArrayBuffer(4096))
let nextToken = 1

const binding = {
  memoryLimitBytes: WARM_PAGES * 65536,
  hostFunctionNames: [],
  sendHostCall: () => undefined,
  onTimer: () => undefined,
}

async function run(guest: GuestContext, code: string, input?: unknown): Promise<string> {
  const reply = await runGuest(
    guest,
    {
      type: 'exec',
      sid: 1,
      token: nextToken++,
      code,
      language: 'javascript',
      inputJson: input === undefined ? undefined : JSON.stringify(input),
      timeoutMs: 5000,
      deadlineAt: performance.timeOrigin + performance.now() + 5000,
      cpuTimeMs: 5000,
      maxOutputBytes: 1 << 20,
    },
    cancelBoard,
  )
  return reply.status
}

/** How many times the secret (hex ASCII) appears in `bytes` as 8-bit or UTF-16LE text. */
function hitsOf(bytes: Uint8Array, hex: string): number {
  const all = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let hits = 0
  for (const needle of [Buffer.from(hex, 'latin1'), Buffer.from(hex, 'utf16le')])
    for (let at = all.indexOf(needle); at >= 0; at = all.indexOf(needle, at + 1)) hits++
  return hits
}

const PAD = 'lorem ipsum '.repeat(8000)

describe('quickjs snapshots: nothing of another sandbox is readable', () => {
  it("I19-16: a sandbox restored into a reset module holds none of that module's previous tenant", async () => {
    const stash = new ModuleStash({
      wasmModule: new WebAssembly.Module(wasmBytes),
      warmPages: WARM_PAGES,
      target: 1,
      staticLayout: layout,
    })
    await stash.fill()
    const source = stash.imageSource
    expect(source).toBeDefined()
    if (!source) return
    const hex = randomBytes(24).toString('hex')
    // The sandbox whose image is restored later: its own state, no secret.
    const owner = (await stash.take(WARM_PAGES)).bind(binding)
    expect(await run(owner, `globalThis.mine = ('own data ').repeat(5000); mine.length`)).toBe('ok')
    const image = takeGuestImage(source, owner, Infinity)
    expect(image).toBeDefined()
    if (!image) return
    // The tenant holding the secret, in memory above the ready image, in a global and as its input.
    const holder = (await stash.take(WARM_PAGES)).bind(binding)
    const status = await run(
      holder,
      `globalThis.kept = ('Ω ' + input.key + ' ').repeat(4000); input.doc.length`,
      {
        key: hex,
        doc: `${PAD}${hex}${PAD}`,
      },
    )
    expect(status).toBe('ok')
    expect(hitsOf(new Uint8Array(holder.memory.buffer), hex)).toBeGreaterThan(0)
    const heldModule = holder.module
    stash.recycle(holder)
    // The next guest is the holder's module, reset; the owner's image is written into it.
    const next = await stash.take(WARM_PAGES)
    expect(next.module).toBe(heldModule)
    expect(restoreGuestImage(source, next, image)).toBe(true)
    expect(hitsOf(image.bytes, hex)).toBe(0)
    expect(hitsOf(new Uint8Array(next.memory.buffer), hex)).toBe(0)
    const restored = next.adopt(binding, true)
    expect(await run(restored, 'mine.length')).toBe('ok')
  })

  it('I19-17: a snapshot and a fork carry nothing of a neighbour on the same worker', async () => {
    const key = randomBytes(32)
    const manager = new SandboxManager({ snapshotKey: key, tiers: { quickjs: { workers: 1 } } })
    try {
      const hex = randomBytes(24).toString('hex')
      const neighbour = await manager.create({ type: 'quickjs' })
      const sb = await manager.create({ type: 'quickjs' })
      await neighbour.execute({
        code: `globalThis.kept = input.key.repeat(3000); require('fs').writeFileSync('k.txt', input.key); 1`,
        input: { key: hex },
      })
      await sb.execute(`globalThis.own = 'x'.repeat(100000); 1`)
      const state = decodeSnapshot(await sb.snapshot(), key)
      expect(state.memory).toBeDefined()
      expect(hitsOf(state.memory?.bytes ?? new Uint8Array(0), hex)).toBe(0)
      expect(state.folder).toEqual([])
      const fork = await sb.fork()
      // The fork sees its own folder only, and no global of the neighbour.
      const probe = await fork.execute(
        `[typeof kept, require('fs').readdirSync('.').length, own.length]`,
      )
      expect(probe).toMatchObject({ status: 'ok', value: ['undefined', 0, 100000] })
      const forkState = decodeSnapshot(await fork.snapshot(), key)
      expect(hitsOf(forkState.memory?.bytes ?? new Uint8Array(0), hex)).toBe(0)
    } finally {
      await manager.close()
    }
  })
})
