/**
 * Issue 14 (quickjs files), I14-4: the next tenant of a reused QuickJS module sees no file of the previous
 * one. The folder belongs to the worker's slot of a sandbox (folder-tree.ts), and is reachable from a
 * context's natives only while that sandbox's run is in progress (folder-seat.ts); what a guest read of it
 * went into its module's memory, which the reset clears.
 *
 * Drives the worker's own parts in this thread, as worker-main does: a ModuleStash of real QuickJS modules,
 * runs through runWithFolder/runGuest, files written from the host side through answerFiles, the ended
 * sandbox's guest handed back with recycle(). Then the next sandbox's guest (the same module, reset) is
 * scanned from the host for the previous sandbox's file contents and file name, and its own fs looked at.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import type { GuestContext } from '../../../src/tiers/quickjs/guest-context.js'
import { runGuest } from '../../../src/tiers/quickjs/guest-run.js'
import { ModuleStash } from '../../../src/tiers/quickjs/module-stash.js'
import type { ExecReply } from '../../../src/tiers/quickjs/protocol.js'
import { readStaticLayout, type StaticLayout } from '../../../src/tiers/quickjs/wasm-layout.js'
import { Folder } from '../../../src/tiers/quickjs/folder-tree.js'
import { runWithFolder, seatOf } from '../../../src/tiers/quickjs/folder-seat.js'
import { answerFiles } from '../../../src/tiers/quickjs/folder-messages.js'

const require = createRequire(import.meta.url)
const wasmBytes = readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'))
const layout = readStaticLayout(wasmBytes) as StaticLayout
const WARM_PAGES = 1024
const cancelBoard = new Int32Array(new SharedArrayBuffer(4096))
let nextToken = 1

async function takeGuest(stash: ModuleStash): Promise<GuestContext> {
  const guest = await stash.take(WARM_PAGES)
  return guest.bind({
    memoryLimitBytes: WARM_PAGES * 65536,
    hostFunctionNames: [],
    sendHostCall: () => undefined,
    onTimer: () => undefined,
  })
}

function execute(guest: GuestContext, folder: Folder, code: string): Promise<ExecReply> {
  return runWithFolder(guest, folder, () =>
    runGuest(
      guest,
      {
        type: 'exec',
        sid: 1,
        token: nextToken++,
        code,
        language: 'javascript',
        inputJson: undefined,
        timeoutMs: 5000,
        deadlineAt: performance.timeOrigin + performance.now() + 5000,
        cpuTimeMs: 5000,
        maxOutputBytes: 1 << 20,
      },
      cancelBoard,
      () => undefined,
    ),
  )
}

/** Every address where `text` (ASCII) appears as 8-bit or as UTF-16LE text. */
function find(memory: WebAssembly.Memory, text: string): number[] {
  const bytes = Buffer.from(memory.buffer)
  const hits: number[] = []
  for (const needle of [Buffer.from(text, 'latin1'), Buffer.from(text, 'utf16le')])
    for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) hits.push(at)
  return hits
}

describe('quickjs files: the next tenant of a module sees no file of the previous one', () => {
  it('I14-4: files written by the guest and by the host, and read by the guest, leave nothing in the reset module', async () => {
    const stash = new ModuleStash({
      wasmModule: new WebAssembly.Module(wasmBytes),
      warmPages: WARM_PAGES,
      target: 1,
      staticLayout: layout,
    })
    await stash.fill()
    const secret = randomBytes(16).toString('hex')
    const name = `n${randomBytes(8).toString('hex')}`
    const folder = new Folder(64 * 1024 * 1024)
    // The host puts one file in; the guest writes another and reads both back (their bytes cross into its heap).
    const put = answerFiles(folder, {
      type: 'files',
      sid: 1,
      op: 'write',
      path: `in/${name}.txt`,
      data: Buffer.from(`host ${secret}`),
    })
    expect(put.code).toBeUndefined()
    const guest = await takeGuest(stash)
    const reply = await execute(
      guest,
      folder,
      `const fs = require('fs');
       fs.writeFileSync('${name}.bin', new TextEncoder().encode('guest ${secret}'));
       globalThis.held = [fs.readFileSync('in/${name}.txt', 'utf8'), fs.readFileSync('${name}.bin'), fs.readdirSync('.')];
       held[0].length`,
    )
    expect(reply.status).toBe('ok')
    expect(find(guest.memory, secret).length).toBeGreaterThan(0)
    expect(seatOf(guest.context)).toBeUndefined()

    stash.recycle(guest)
    const next = await takeGuest(stash)
    expect(next).toBe(guest) // the same module and memory, reset
    expect(find(next.memory, secret)).toEqual([])
    expect(find(next.memory, name)).toEqual([])
    // The next tenant has its own, empty folder.
    const seen = await execute(
      next,
      new Folder(64 * 1024 * 1024),
      `const fs = require('fs'); [fs.readdirSync('/work'), fs.existsSync('in/${name}.txt'), typeof held]`,
    )
    expect(seen.valueJson).toBe('[[],false,"undefined"]')
  })
})
