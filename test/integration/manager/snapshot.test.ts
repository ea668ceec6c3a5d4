/**
 * Issue 19: snapshot, restore and fork of quickjs sandboxes through the manager and the handle, with every
 * bad input of the issue (I19-n). Real workers, real QuickJS modules.
 */
import { createHmac } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { SandboxManager, SnapshotError } from '../../../src/index.js'
import { decodeSnapshot, encodeSnapshot } from '../../../src/manager/snapshot-format.js'

const KEY = 'k'.repeat(32)
const manager = new SandboxManager({ snapshotKey: KEY })
afterAll(async () => {
  await manager.close()
})

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString()

/** Snapshot bytes with their header edited and signed again with `key` (snapshot-format.ts layout). */
function resign(bytes: Uint8Array, key: Uint8Array, edit: (header: string) => string): Uint8Array {
  const b = Buffer.from(bytes)
  const headerLength = b.readUInt32LE(26)
  const header = Buffer.from(edit(b.subarray(30, 30 + headerLength).toString('utf8')), 'utf8')
  const body = b.subarray(30 + headerLength, b.length - 32)
  const fixed = Buffer.from(b.subarray(0, 30))
  fixed.writeBigUInt64LE(BigInt(30 + header.length + body.length + 32), 18)
  fixed.writeUInt32LE(header.length, 26)
  const mac = createHmac('sha256', key).update(fixed).update(header).update(body).digest()
  return Buffer.concat([fixed, header, body, mac])
}

/** The rejection of `promise` as a SnapshotError's reason. */
async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(error).toBeInstanceOf(SnapshotError)
  expect((error as SnapshotError).code).toBe('ERR_SNAPSHOT')
  return (error as SnapshotError).reason
}

async function prepared(): Promise<Uint8Array> {
  const sb = await manager.create({ type: 'quickjs', memoryLimit: 32 << 20 })
  await sb.execute(`globalThis.count = 41; require('fs').writeFileSync('notes.txt', 'kept')`)
  await sb.writeFile('data/in.json', '{"a":1}')
  const bytes = await sb.snapshot()
  await sb.destroy()
  return bytes
}

describe('I19: snapshot and restore', () => {
  it('I19-1: a restored sandbox has the same globals, files and memory limit', async () => {
    const restored = await manager.restore(await prepared())
    const result = await restored.execute(
      `const fs = require('fs'); [count + 1, fs.readFileSync('notes.txt', 'utf8'), fs.readFileSync('data/in.json', 'utf8')]`,
    )
    expect(result).toMatchObject({ status: 'ok', value: [42, 'kept', '{"a":1}'] })
    // 32 MiB kept: a 40 MiB allocation cannot fit.
    const big = await restored.execute('new Uint8Array(40 * 1048576).length')
    expect(big.status).toBe('memory')
    await restored.destroy()
  })

  it('I19-2: a snapshot taken during a run waits for the run and holds what it did', async () => {
    const sb = await manager.create({ type: 'quickjs' })
    const run = sb.execute('await new Promise((r) => setTimeout(r, 200)); globalThis.done = true')
    const bytes = await sb.snapshot()
    expect((await run).status).toBe('ok')
    const restored = await manager.restore(bytes)
    expect((await restored.execute('done')).value).toBe(true)
    await Promise.all([sb.destroy(), restored.destroy()])
  })

  it('I19-3: restoring never revives host-side things: a pending timer is gone, host functions come from the new config', async () => {
    const sb = await manager.create({
      type: 'quickjs',
      hostFunctions: { who: () => 'old' },
    })
    await sb.execute(`globalThis.fired = 0; setTimeout(() => { globalThis.fired++ }, 50); 1`)
    const bytes = await sb.snapshot()
    await sb.destroy()
    const restored = await manager.restore(bytes, { hostFunctions: { who: () => 'new' } })
    const result = await restored.execute(
      'await new Promise((r) => setTimeout(r, 100)); [fired, await who()]',
    )
    expect(result).toMatchObject({ status: 'ok', value: [0, 'new'] })
    await restored.destroy()
  })

  it('I19-4: a truncated snapshot is refused as malformed', async () => {
    const bytes = await prepared()
    expect(await reasonOf(manager.restore(bytes.subarray(0, bytes.length - 1)))).toBe('malformed')
    expect(await reasonOf(manager.restore(new Uint8Array(10)))).toBe('malformed')
  })

  it('I19-5: a snapshot with one byte changed is refused as tampered', async () => {
    const bytes = (await prepared()).slice()
    const middle = bytes.length >> 1
    bytes[middle] = (bytes[middle] ?? 0) ^ 0x01
    expect(await reasonOf(manager.restore(bytes))).toBe('tampered')
  })

  it("I19-6: another manager's snapshot is refused (foreign-key); with the same key it restores", async () => {
    const bytes = await prepared()
    const other = new SandboxManager()
    const same = new SandboxManager({ snapshotKey: KEY })
    try {
      expect(await reasonOf(other.restore(bytes))).toBe('foreign-key')
      const restored = await same.restore(bytes)
      expect((await restored.execute('count')).value).toBe(41)
    } finally {
      await Promise.all([other.close(), same.close()])
    }
  })

  it('I19-7: a snapshot of another build or sandtier version is refused (foreign-version)', async () => {
    const key = Buffer.from(KEY)
    const state = decodeSnapshot(await prepared(), key)
    const otherBuild = encodeSnapshot({ ...state, build: `${state.build}-other` }, key)
    expect(await reasonOf(manager.restore(otherBuild))).toBe('foreign-version')
    // The ready image it was taken against is checked in the worker before the state is written.
    const otherBaseline = encodeSnapshot({ ...state, baselineId: 'f'.repeat(32) }, key)
    expect(await reasonOf(manager.restore(otherBaseline))).toBe('foreign-version')
    const otherVersion = resign(encodeSnapshot(state, key), key, (header) =>
      header.replace(/"sandtier":"[^"]*"/, '"sandtier":"0.0.0-other"'),
    )
    expect(await reasonOf(manager.restore(otherVersion))).toBe('foreign-version')
    // Another format version: refused before anything else is read.
    const otherFormat = Buffer.from(await prepared())
    otherFormat.writeUInt16LE(2, 8)
    expect(await reasonOf(manager.restore(otherFormat))).toBe('foreign-version')
  })

  it('I19-8: restored with a memoryLimit smaller than its heap: a typed error, nothing created', async () => {
    const sb = await manager.create({ type: 'quickjs', memoryLimit: 128 << 20 })
    await sb.execute('globalThis.held = new Uint8Array(40 * 1048576).fill(1); 1')
    const bytes = await sb.snapshot()
    await sb.destroy()
    const before = manager.list().length
    expect(await reasonOf(manager.restore(bytes, { memoryLimit: 32 << 20 }))).toBe('memory')
    expect(manager.list().length).toBe(before)
    const fits = await manager.restore(bytes)
    expect((await fits.execute('held.length')).value).toBe(40 * 1048576)
    await fits.destroy()
  })

  it('I19-9: files over the restoring diskSpace are refused (disk)', async () => {
    const sb = await manager.create({ type: 'quickjs' })
    await sb.writeFile('big.bin', new Uint8Array(2 << 20))
    const bytes = await sb.snapshot()
    await sb.destroy()
    expect(await reasonOf(manager.restore(bytes, { limits: { diskSpace: 1 << 20 } }))).toBe('disk')
  })

  it('I19-10: a tier without snapshots says so (unsupported)', async () => {
    const sb = await manager.create({ type: 'wasm', language: 'assemblyscript' })
    expect(await reasonOf(sb.snapshot())).toBe('unsupported')
    await sb.destroy()
  })
})

describe('I19: fork', () => {
  it('I19-11: a fork is an independent copy: neither sees the other’s later changes', async () => {
    const parent = await manager.create({ type: 'quickjs' })
    await parent.execute(`globalThis.list = [1]; require('fs').writeFileSync('f.txt', 'p')`)
    const child = await parent.fork()
    await child.execute(`list.push('child'); require('fs').writeFileSync('f.txt', 'c')`)
    await parent.execute(`list.push('parent')`)
    expect((await parent.execute('list')).value).toEqual([1, 'parent'])
    expect((await child.execute('list')).value).toEqual([1, 'child'])
    expect(text(await parent.readFile('f.txt'))).toBe('p')
    expect(text(await child.readFile('f.txt'))).toBe('c')
    // A fork draws its own Math.random numbers.
    const [a, b] = await Promise.all([
      parent.execute('Math.random()'),
      child.execute('Math.random()'),
    ])
    expect(a.value).not.toBe(b.value)
    await Promise.all([parent.destroy(), child.destroy()])
  })

  it('I19-12: a fork outlives its destroyed parent; a destroyed parent cannot be forked', async () => {
    const parent = await manager.create({ type: 'quickjs' })
    await parent.execute('globalThis.v = "from parent"')
    const child = await parent.fork()
    await parent.destroy()
    expect((await child.execute('v')).value).toBe('from parent')
    await expect(parent.fork()).rejects.toMatchObject({ code: 'ERR_SANDBOX_NOT_FOUND' })
    await child.destroy()
  })

  it('I19-13: a fork destroyed with its parent mid-fork is not left behind', async () => {
    const parent = await manager.create({ type: 'quickjs' })
    const run = parent.execute('await new Promise((r) => setTimeout(r, 2000)); 1')
    // The run has started: the fork waits for it.
    await new Promise((resolve) => setTimeout(resolve, 100))
    const fork = parent.fork()
    fork.catch(() => undefined)
    await parent.destroy()
    expect((await run).status).toBe('cancelled')
    await expect(fork).rejects.toMatchObject({ code: 'ERR_SANDBOX_CLOSED' })
    expect(manager.list()).not.toContain(parent.id)
  })

  it('I19-14: a fork of a sandbox that used its memory keeps that memory limit', async () => {
    const parent = await manager.create({ type: 'quickjs', memoryLimit: 48 << 20 })
    await parent.execute('globalThis.buf = new Uint8Array(20 * 1048576).fill(7); 1')
    const child = await parent.fork()
    expect((await child.execute('buf[123] + buf.length')).value).toBe(7 + 20 * 1048576)
    expect((await child.execute('globalThis.more = new Uint8Array(30 * 1048576); 1')).status).toBe(
      'memory',
    )
    await Promise.all([parent.destroy(), child.destroy()])
  })
})
