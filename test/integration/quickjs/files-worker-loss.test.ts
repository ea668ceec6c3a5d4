/**
 * Issue 14, I14-4: a quickjs sandbox's folder survives the loss of its worker. The host keeps a copy of the
 * folder beside the memory image (snapshot-state.ts), so a sandbox rebuilt on a new worker has its files as
 * they were after its last completed run or file operation: after its own run was hard-stopped (a built-in
 * that ignores the interrupt), and after a neighbour's was on the one worker they share.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'

const manager = new SandboxManager({ tiers: { quickjs: { workers: 1 } } })
afterAll(async () => {
  await manager.close()
})

const STUCK = { code: 'new Array(1e9).join()', timeoutMs: 500 }
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString()

describe('I14-4: the folder survives the loss of the worker', () => {
  it('after its own run was hard-stopped, readFile and the next run see the files written before', async () => {
    const sb = await manager.create({ type: 'quickjs' })
    await sb.writeFile('data/in.txt', 'written by the host')
    await sb.execute(`require('fs').writeFileSync('by-run.txt', 'written by a run')`)
    const stuck = await sb.execute(STUCK)
    expect(stuck.status).toBe('timeout')
    expect(text(await sb.readFile('data/in.txt'))).toBe('written by the host')
    const next = await sb.execute(
      `const fs = require('fs'); fs.readFileSync('data/in.txt', 'utf8') + '|' + fs.readFileSync('by-run.txt', 'utf8')`,
    )
    expect(next).toMatchObject({ status: 'ok', value: 'written by the host|written by a run' })
    await sb.destroy()
  })

  it("a neighbour's hard stop on the shared worker leaves the other sandbox's files and globals", async () => {
    const kept = await manager.create({ type: 'quickjs' })
    const stopper = await manager.create({ type: 'quickjs' })
    await kept.execute(
      `globalThis.n = 7; require('fs').mkdirSync('d'); require('fs').writeFileSync('d/f.txt', 'kept')`,
    )
    await kept.writeFile('d/g.bin', new Uint8Array([1, 2, 3]))
    await stopper.execute('1')
    expect((await stopper.execute(STUCK)).status).toBe('timeout')
    expect([...(await kept.readFile('d/g.bin'))]).toEqual([1, 2, 3])
    const next = await kept.execute(`n + ':' + require('fs').readFileSync('d/f.txt', 'utf8')`)
    expect(next).toMatchObject({ status: 'ok', value: '7:kept' })
    expect((await kept.listFiles()).map((e) => e.path)).toEqual(['d', 'd/f.txt', 'd/g.bin'])
    await Promise.all([kept.destroy(), stopper.destroy()])
  })

  it('a file removed before the loss stays removed after it', async () => {
    const sb = await manager.create({ type: 'quickjs' })
    await sb.writeFile('a.txt', 'a')
    await sb.writeFile('b.txt', 'b')
    await sb.execute(`require('fs').unlinkSync('a.txt')`)
    expect((await sb.execute(STUCK)).status).toBe('timeout')
    expect((await sb.listFiles()).map((e) => e.path)).toEqual(['b.txt'])
    await sb.destroy()
  })
})
