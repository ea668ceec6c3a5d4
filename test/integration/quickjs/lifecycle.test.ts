import { once } from 'node:events'
import { describe } from 'vitest'
import { SandboxNotFoundError, SandboxExpiredError } from '../../../src/index.js'
import { expect, test } from '../../fixtures/sandtier.js'

// Each test gets its own manager from the fixtures, closed after it with the leak checks (workers, timers,
// message ports, sockets): what the first test used to count by hand.

describe('quickjs tier: lifecycle', () => {
  describe('on two workers', () => {
    test.override({ managerOptions: { tiers: { quickjs: { workers: 2 } } } })

    test('destroy() during execute() ends the run cancelled and leaves nothing running', async ({
      manager,
    }) => {
      const id = await manager.createSandbox({ type: 'quickjs', limits: { executionTime: 10_000 } })
      await manager.execute(id, '1')
      const started = performance.now()
      const runStarted = once(manager, 'execute:start')
      const pending = manager.execute(id, 'for (;;) {}')
      await runStarted
      await manager.destroy(id)
      const r = await pending
      expect(r.status).toBe('cancelled')
      expect(r.error?.code).toBe('ERR_CANCELLED')
      expect(performance.now() - started).toBeLessThan(1000)
      await expect(manager.execute(id, '1')).rejects.toBeInstanceOf(SandboxNotFoundError)
    })

    test('1,000 create/execute/destroy cycles: no growth in workers or RSS beyond noise', async ({
      manager,
    }) => {
      const cycle = async (i: number): Promise<void> => {
        const id = await manager.createSandbox({ type: 'quickjs' })
        const r = await manager.execute(id, { code: 'input.i * 2', input: { i } })
        expect(r.value).toBe(i * 2)
        await manager.destroy(id)
      }
      for (let i = 0; i < 100; i++) await cycle(i)
      const rssAfterWarmup = process.memoryUsage().rss
      const workersAfterWarmup = (await manager.stats()).tiers.quickjs?.['workers']
      for (let i = 0; i < 1000; i++) await cycle(i)
      const stats = await manager.stats()
      expect(stats.tiers.quickjs?.['workers']).toBe(workersAfterWarmup)
      expect(stats.tiers.quickjs?.['sandboxes']).toBe(0)
      expect(manager.list()).toHaveLength(0)
      // each sandbox owns a 16 MiB wasm memory while alive; 1,000 leaked ones would be gigabytes
      expect(process.memoryUsage().rss - rssAfterWarmup).toBeLessThan(96 * 1024 * 1024)
    })
  })

  describe('on one worker', () => {
    test.override({ managerOptions: { tiers: { quickjs: { workers: 1 } } } })

    test('an AbortSignal cancels a synchronous loop without killing the worker', async ({
      manager,
    }) => {
      const id = await manager.createSandbox({ type: 'quickjs' })
      await manager.execute(id, 'globalThis.kept = 7')
      const controller = new AbortController()
      // No event says the guest is inside its loop (execute:start comes before the worker has it): 100 ms
      // lets the loop start, so the signal lands in it rather than before it.
      setTimeout(() => controller.abort(), 100)
      const r = await manager.execute(id, { code: 'for (;;) {}', signal: controller.signal })
      expect(r.status).toBe('cancelled')
      const other = await manager.createSandbox({ type: 'quickjs' })
      expect((await manager.execute(other, '1 + 1')).value).toBe(2)
    })

    test('runOnce (what run() does): the worker frees each sandbox with its reply, whatever the status', async ({
      manager,
    }) => {
      const events: string[] = []
      manager.on('create', () => events.push('create'))
      manager.on('destroy', ({ reason }) => events.push(`destroy:${reason}`))
      // ok, a guest error, a memory breach and a timeout: each ends its sandbox in the worker
      const programs = [
        { code: 'input.i + 1', expect: 'ok' },
        { code: 'throw new Error("x")', expect: 'error' },
        { code: 'let a = []; for (;;) a.push(new Array(1e5).fill(1))', expect: 'memory' },
        { code: 'for (;;) {}', expect: 'timeout', timeoutMs: 50 },
      ]
      const config = { type: 'quickjs' as const, memoryLimit: 32 * 1024 * 1024 }
      for (let i = 0; i < 40; i++) {
        const p = programs[i % programs.length] as (typeof programs)[number]
        const r = await manager.runOnce(config, {
          code: p.code,
          input: { i },
          timeoutMs: p.timeoutMs,
        })
        expect(r.status).toBe(p.expect)
        if (p.expect === 'ok') expect(r.value).toBe(i + 1)
      }
      expect(events.filter((e) => e === 'create')).toHaveLength(40)
      expect(events.filter((e) => e === 'destroy:destroy')).toHaveLength(40)
      const rssBefore = process.memoryUsage().rss
      for (let i = 0; i < 1000; i++)
        expect(
          (await manager.runOnce({ type: 'quickjs' }, { code: 'input.i * 2', input: { i } })).value,
        ).toBe(i * 2)
      const stats = await manager.stats()
      expect(stats.tiers.quickjs?.['sandboxes']).toBe(0)
      expect(manager.list()).toHaveLength(0)
      // no destroy message follows a last run: guests the worker kept would be ~1 MiB of wasm memory each
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(96 * 1024 * 1024)
      // the worker is still healthy and holds nothing of those sandboxes
      const id = await manager.createSandbox({ type: 'quickjs' })
      expect((await manager.execute(id, 'typeof input')).value).toBe('undefined')
    })
  })

  describe('with the default workers', () => {
    test.override({ managerOptions: {} })

    test('two concurrent execute() calls on one sandbox are serialized', async ({ manager }) => {
      const id = await manager.createSandbox({ type: 'quickjs' })
      await manager.execute(id, 'globalThis.log = []')
      const a = manager.execute(
        id,
        'await new Promise((r) => setTimeout(r, 50)); log.push("a"); log.length',
      )
      const b = manager.execute(id, 'log.push("b"); log.join()')
      expect((await a).value).toBe(1)
      expect((await b).value).toBe('a,b')
    })

    test('the sandbox lifetime (timeout) destroys it; execute then rejects with an expiry error', async ({
      manager,
    }) => {
      // A first run boots the workers (hundreds of ms on a loaded machine): not inside the lifetime.
      await manager.runOnce({ type: 'quickjs' }, '0')
      const id = await manager.createSandbox({ type: 'quickjs', timeout: 1000 })
      const expired = new Promise<void>((resolve) =>
        manager.on('destroy', (e) => {
          if (e.id === id && e.reason === 'expired') resolve()
        }),
      )
      expect((await manager.execute(id, '1')).status).toBe('ok')
      await expired
      await expect(manager.execute(id, '1')).rejects.toBeInstanceOf(SandboxExpiredError)
      expect(manager.list()).not.toContain(id)
    })
  })
})
