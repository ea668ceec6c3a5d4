// The wasm tier tracks its sandboxes (stats, close) through the closing base.
import { describe, expect, it } from 'vitest'
import { SandboxClosedError } from '../../../src/errors.js'
import * as modules from '../../fixtures/wasm/modules.js'
import { newTier, request, sandbox } from '../../fixtures/wasm/tier-helpers.js'

describe('wasm tier: ownership of sandboxes', () => {
  it('stats() shows live wasm sandboxes: 2 after two creates, 1 after one close', async () => {
    await using tier = newTier({ maxWorkers: 1 })
    const a = await sandbox(tier, { language: 'wasm' })
    await sandbox(tier, { language: 'wasm' })
    expect(tier.stats().sandboxes).toBe(2)
    await a.close()
    expect(tier.stats().sandboxes).toBe(1)
  })

  it('close() of the tier closes a live sandbox: its next execute rejects with SandboxClosedError', async () => {
    const tier = newTier({ maxWorkers: 1 })
    const live = await sandbox(tier, { language: 'wasm' })
    const add = request({ wasmBinary: modules.addModule(), fn: 'add', args: [40, 2] })
    expect(await live.execute(add)).toMatchObject({ status: 'ok', value: 42 })
    await tier.close()
    expect(tier.stats().sandboxes).toBe(0)
    await expect(live.execute(add)).rejects.toBeInstanceOf(SandboxClosedError)
  })

  it('close() of the tier ends a run in progress as cancelled, and waits for it', async () => {
    const tier = newTier({ maxWorkers: 1 })
    const live = await sandbox(tier, { language: 'wasm' })
    const spin = request({ wasmBinary: modules.spinInMain(), fn: 'main', timeoutMs: 60_000 })
    let ended = false
    const running = live.execute(spin).finally(() => (ended = true))
    // The run holds the tier's one worker once it started.
    while (tier.stats().runsActive === 0) await new Promise((resolve) => setImmediate(resolve))
    await tier.close()
    expect(ended).toBe(true)
    expect((await running).status).toBe('cancelled')
    expect(tier.stats()).toMatchObject({ sandboxes: 0, runsActive: 0 })
  })
})
