import { afterAll, describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'

const manager = new SandboxManager()
afterAll(async () => {
  await manager.close()
})

const text = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('utf8')

// run() frees its in-process sandbox with the first attempt's reply: when the run moves to a container, the
// files the container wrote under out/ are the result's, read there (nothing can be copied back).
describe("I14-4: a one-shot run's files when it moves to a container", () => {
  it('an escalated run() returns what the container wrote under out/, and resolves', async () => {
    const result = await manager.runOnce(
      { trust: 'trusted' },
      "const cp = 'node:' + 'child_process'; const { execSync } = await import(cp); execSync('mkdir -p out && printf hi > out/x.txt'); 'done'",
    )
    expect(result).toMatchObject({ status: 'ok', tier: 'docker', value: 'done' })
    expect(result.escalations).toEqual([
      { from: 'quickjs', to: 'docker', reason: 'capability:child_process' },
    ])
    expect(result.files?.map((f) => [f.path, f.mimeType, text(f.bytes)])).toEqual([
      ['out/x.txt', 'text/plain', 'hi'],
    ])
  })

  it("a hedged run() won by the container returns the container's out/ files", async () => {
    const fib = 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }'
    const result = await manager.runOnce(
      { trust: 'trusted', inProcessCpuBudgetMs: 20_000 },
      `${fib} const v = fib(34); const fs = require('fs'); fs.mkdirSync('out', { recursive: true }); fs.writeFileSync('out/v.txt', String(v)); v`,
    )
    expect(result).toMatchObject({ status: 'ok', value: 5702887 })
    // Whichever attempt won, the result carries the winner's file.
    expect(result.files?.map((f) => [f.path, text(f.bytes)])).toEqual([['out/v.txt', '5702887']])
    expect(result.escalations.map((e) => e.reason)).toEqual(
      result.tier === 'docker' ? ['hedge'] : [],
    )
  })
})
