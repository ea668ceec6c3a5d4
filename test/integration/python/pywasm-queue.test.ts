/**
 * Waiting for a pywasm worker is inside the run's deadline: with the tier's one worker held by another run, a
 * run that gets none in time ends 'timeout' without running, and the worker it would have had goes back to the
 * lease (the next run gets it). Skipped, with the reason, where the artifacts are not built.
 */
import { describe, expect, it } from 'vitest'
import type { SandboxConfig } from '../../../src/index.js'
import { locatePythonWasm } from '../../../src/tiers/python/artifacts.js'
import { useFileManager } from '../../fixtures/sandtier.js'

const status = await locatePythonWasm()
const { manager } = useFileManager({ tiers: { pywasm: { maxWorkers: 1 } } })

const PY: SandboxConfig = { type: 'pywasm', language: 'python', limits: { executionTime: 10_000 } }

describe.skipIf(!status.available)('pywasm worker queue', () => {
  it('a run that gets no worker within timeoutMs ends timeout within timeoutMs + 250 ms, without running', async () => {
    const holder = await manager.createSandbox(PY)
    const waiter = await manager.createSandbox(PY)
    let started!: () => void
    const running = new Promise<void>((resolve) => (started = resolve))
    const held = manager.execute(holder, {
      code: 'print("holding", flush=True)\nwhile True: pass',
      timeoutMs: 3_000,
      onOutput: () => started(),
    })
    await running
    const t0 = performance.now()
    const r = await manager.execute(waiter, {
      code: 'open("ran.txt", "w").write("x")',
      timeoutMs: 300,
    })
    const waitedMs = performance.now() - t0
    expect(r.status).toBe('timeout')
    expect(waitedMs).toBeLessThan(300 + 250)
    expect((await held).status).toBe('timeout')
    // The queued run never ran, and the tier's one worker serves the next run.
    const after = await manager.execute(waiter, "import os\nos.path.exists('ran.txt')")
    expect(after).toMatchObject({ status: 'ok', value: false })
    await manager.destroy(holder)
    await manager.destroy(waiter)
  })
})
