// The quickjs tier owns its sandboxes through the closing base, and a run holds its worker through
// QuickJsHost.reserve() until it ends.
import { afterAll, describe, expect, it, vi } from 'vitest'
import { resolveConfig } from '../../../src/config.js'
import { SandboxClosedError } from '../../../src/errors.js'
import { QuickJsTier } from '../../../src/tiers/quickjs/quickjs-tier.js'
import { request } from '../../fixtures/wasm/tier-helpers.js'

const config = resolveConfig({ type: 'quickjs' })
const js = (code: string, fields: Parameters<typeof request>[0] = {}) =>
  request({ language: 'javascript', code, ...fields })

describe('quickjs tier: reservations', () => {
  const tier = new QuickJsTier({ workers: 2, spareWorkers: 0 })
  afterAll(() => tier.close())

  it('a run in progress keeps its worker reserved: a new sandbox runs on the other worker meanwhile', async () => {
    // One sandbox on each worker, placed one after the other (each placement grows a worker).
    const first = await tier.createSandbox(config)
    expect((await first.execute(js('1'))).status).toBe('ok')
    const second = await tier.createSandbox(config)
    expect((await second.execute(js('1'))).status).toBe('ok')
    expect(tier.stats()).toMatchObject({ workers: 2, runsActive: 0 })

    // The first worker is the one placement prefers on a tie; a loop there reserves it until cancelled.
    const cancel = new AbortController()
    const looping = first.execute(js('for (;;) {}', { timeoutMs: 60_000, signal: cancel.signal }))
    let loopEnded = false
    void looping.then(() => (loopEnded = true))
    await vi.waitFor(() => expect(tier.stats().runsActive).toBe(1))

    // Placed behind the loop, this run would end 'timeout' (its worker terminated at its deadline).
    const third = await tier.createSandbox(config)
    const result = await third.execute(js('2 + 2', { timeoutMs: 10_000 }))
    expect(result).toMatchObject({ status: 'ok', value: 4 })
    expect(loopEnded).toBe(false)
    expect(tier.stats().runsActive).toBe(1)

    cancel.abort()
    expect((await looping).status).toBe('cancelled')
    // Every reservation was released exactly once.
    expect(tier.stats().runsActive).toBe(0)
  })
})

describe('quickjs tier: ownership', () => {
  it('stats() counts live sandboxes; a sandbox closed by its caller leaves the tier', async () => {
    await using tier = new QuickJsTier({ workers: 1, spareWorkers: 0 })
    const a = await tier.createSandbox(config)
    await tier.createSandbox(config)
    expect(tier.stats().sandboxes).toBe(2)
    await a.close()
    expect(tier.stats().sandboxes).toBe(1)
  })

  it('close() of the tier closes a live sandbox: its next execute rejects with SandboxClosedError', async () => {
    const tier = new QuickJsTier({ workers: 1, spareWorkers: 0 })
    const sandbox = await tier.createSandbox(config)
    expect((await sandbox.execute(js('1'))).status).toBe('ok')
    await tier.close()
    expect(tier.stats()).toMatchObject({ sandboxes: 0, workers: 0 })
    await expect(sandbox.execute(js('1'))).rejects.toBeInstanceOf(SandboxClosedError)
    await expect(tier.createSandbox(config)).rejects.toBeInstanceOf(SandboxClosedError)
  })
})
