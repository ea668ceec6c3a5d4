import { afterAll, describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'

const manager = new SandboxManager()
afterAll(async () => {
  await manager.close()
})

// A run given up on at its limit must come back at its limit, files or not: the result does not wait for
// the sandbox to finish ending the run to read its folder (issue 14 with the hard-stop guarantees of 12).
describe('I14-4: results of runs given up on do not wait for the folder', () => {
  it('a quickjs run stuck in a built-in ends timeout within limit + 350 ms although its folder has files', async () => {
    const sb = await manager.create({ type: 'quickjs' })
    try {
      await sb.writeFile('out/kept.txt', 'from before')
      const started = performance.now()
      const result = await sb.execute({ code: 'new Array(1e9).join()', timeoutMs: 500 })
      const elapsedMs = performance.now() - started
      expect(result.status).toBe('timeout')
      expect(result.files).toBeUndefined()
      // The hard stop terminates the worker at the limit + 100 ms; 250 ms more for a loaded machine.
      expect(elapsedMs).toBeLessThan(500 + 350)
      // The worker was terminated: the sandbox was rebuilt from its image, folder included (issue 14).
      expect(Buffer.from(await sb.readFile('out/kept.txt')).toString()).toBe('from before')
      const next = await sb.execute('1 + 1')
      expect(next).toMatchObject({ status: 'ok', value: 2 })
    } finally {
      await sb.destroy()
    }
  })

  it('a run given up while it waits behind a neighbour comes back at its limit, its folder unread', async () => {
    const oneWorker = new SandboxManager({ tiers: { quickjs: { workers: 1 } } })
    try {
      const busy = await oneWorker.create({ type: 'quickjs' })
      const waiting = await oneWorker.create({ type: 'quickjs' })
      await waiting.writeFile('out/kept.txt', 'from before')
      await busy.execute('1')
      await waiting.execute('1')
      // The neighbour holds the one worker for ~2 s (an interruptible loop: no termination).
      const hog = busy.execute({
        code: 'const end = Date.now() + 2000; while (Date.now() < end) {}',
        timeoutMs: 5000,
      })
      await new Promise((resolve) => setTimeout(resolve, 100))
      const started = performance.now()
      const result = await waiting.execute({ code: '1 + 1', timeoutMs: 300 })
      const elapsedMs = performance.now() - started
      expect(result.status).toBe('timeout')
      expect(result.files).toBeUndefined()
      expect(elapsedMs).toBeLessThan(300 + 250)
      expect((await hog).status).toBe('ok')
      // Once the worker is free the folder reads as it was.
      expect(Buffer.from(await waiting.readFile('out/kept.txt')).toString()).toBe('from before')
    } finally {
      await oneWorker.close()
    }
  })
})
