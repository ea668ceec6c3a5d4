/**
 * Hedged escalation (issue 17), on real workers and real containers: a heavy auto-mode run is started on
 * the container side by side with its in-process run; light runs never touch a container; a run that can
 * reach outside is never duplicated; the caller's AbortSignal cancels both attempts; the conformance cases
 * give the same results whichever attempt wins.
 */
import { describe, expect, it } from 'vitest'
import type { ExecResult, OutputChunk, SandboxManager } from '../../../src/index.js'
import { JS_CONFORMANCE_CASES } from '../../fixtures/js-conformance-cases.js'
import { managersClosedAfterAll } from './managers.js'

const FIB = 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }'
const newManager = managersClosedAfterAll()

async function once(
  manager: SandboxManager,
  code: string,
  config = {},
  chunks?: OutputChunk[],
): Promise<ExecResult> {
  const id = await manager.createSandbox(config)
  try {
    const request = chunks ? { code, onOutput: (c: OutputChunk) => chunks.push(c) } : { code }
    return await manager.execute(id, request)
  } finally {
    await manager.destroy(id)
  }
}

/** The container tiers a manager has loaded: a tier never loaded never made a container. */
async function containerTiers(manager: SandboxManager): Promise<string[]> {
  const { tiers } = await manager.stats()
  return Object.keys(tiers).filter((t) => t === 'docker' || t === 'gvisor')
}

/** Waits until the tier's warm pool holds a ready container again (it refills after each take). */
async function warmPool(manager: SandboxManager, tier: 'docker' | 'gvisor'): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (((await manager.stats()).tiers[tier]?.warmContainers ?? 0) > 0) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`no warm ${tier} container after 10 s`)
}

describe('manager: hedged escalation', () => {
  it('I17-1: a heavy fib(34) finishes via the container, faster than the budget path; only its output streams; next time it goes straight there', async () => {
    const manager = newManager()
    const config = { trust: 'trusted' as const }
    // Loads the docker tier and waits for its warm pool, so both paths below take a warm container.
    await once(manager, '1', { type: 'docker' })
    await warmPool(manager, 'docker')
    // And a quickjs worker up: its boot is no part of either path.
    await once(manager, '1', config)
    const code = `${FIB} const v = fib(34); console.log('done'); v`
    const chunks: OutputChunk[] = []
    // Wall clocks: the budget path's durationMs leaves out the wait for its container.
    let t0 = performance.now()
    // The in-process attempt's CPU budget out of reach: on a loaded machine it could otherwise stop the
    // in-process attempt before the container's result came ('in-process-stopped': docker still wins).
    const hedged = await once(manager, code, { ...config, inProcessCpuBudgetMs: 20_000 }, chunks)
    const hedgedMs = performance.now() - t0
    await warmPool(manager, 'docker')
    t0 = performance.now()
    const budget = await once(manager, `${code} // budget`, { ...config, hedgeAfterMs: 60_000 })
    const budgetMs = performance.now() - t0
    expect(hedged.status).toBe('ok')
    expect(hedged.value).toBe(5702887)
    expect(hedged.tier).toBe('docker')
    expect(hedged.escalations).toEqual([
      {
        from: 'quickjs',
        to: 'docker',
        reason: 'hedge',
        hedge: { afterMs: expect.any(Number) as number, winner: 'docker', why: 'first-to-finish' },
      },
    ])
    expect(chunks).toEqual([{ stream: 'stdout', text: 'done\n', tier: 'docker' }])
    expect(budget.escalations).toEqual([{ from: 'quickjs', to: 'docker', reason: 'cpu-budget' }])
    expect(hedgedMs).toBeLessThan(budgetMs)
    const again = await once(manager, code, config)
    expect(again.escalations).toEqual([{ from: 'quickjs', to: 'docker', reason: 'heavy-before' }])
    expect(again.value).toBe(5702887)
  })

  it('I17-2: light runs never touch a container', async () => {
    const manager = newManager()
    for (let i = 0; i < 20; i++) {
      const r = await manager.runOnce({}, '1 + 1')
      expect(r.escalations).toEqual([])
    }
    expect(await containerTiers(manager)).toEqual([])
    expect((await manager.stats()).totals.escalated).toBe(0)
  })

  it('I17-3: a run with host functions that calls one after the hedge point is never hedged: no container exists', async () => {
    const manager = newManager()
    let calls = 0
    const r = await once(
      manager,
      `${FIB} fib(27); const n = await note(); require('fs').writeFileSync('proof', 'in-process'); n`,
      { hostFunctions: { note: () => ++calls }, hedgeAfterMs: 1 },
    )
    expect(r.status).toBe('ok')
    expect(r.value).toBe(1)
    expect(calls).toBe(1)
    expect(r.escalations).toEqual([])
    expect(await containerTiers(manager)).toEqual([])
  })

  it('I17-4: a fetch after the hedge point cancels the container attempt; only the in-process attempt wrote', async () => {
    const manager = newManager()
    const id = await manager.createSandbox({ trust: 'trusted', hedgeAfterMs: 1 })
    // The container attempt would write 'proof' as 'container' right after its fetch: it is cancelled at the
    // in-process fetch, before node in its container could have started (tens of ms after the hedge point).
    const code = `${FIB} fib(24)
      await fetch('http://127.0.0.1:9/').catch(() => 0)
      require('fs').writeFileSync('proof', globalThis.process?.versions?.node ? 'container' : 'in-process')
      fib(28)`
    const r = await manager.execute(id, code)
    expect(r.status).toBe('ok')
    expect(r.tier).toBe('quickjs')
    expect(r.usage.deniedRequests).toBe(1)
    expect(r.escalations).toMatchObject([
      { reason: 'hedge', hedge: { winner: 'quickjs', why: 'side-effect' } },
    ])
    expect(Buffer.from(await manager.readFile(id, 'proof')).toString()).toBe('in-process')
    expect(await manager.listFiles(id)).toMatchObject([{ path: 'proof' }])
    await manager.destroy(id)
  })

  it("I17-5: the caller's AbortSignal cancels both attempts", async () => {
    const manager = newManager()
    const id = await manager.createSandbox({ trust: 'trusted', hedgeAfterMs: 1 })
    const controller = new AbortController()
    // fib(45) takes ~10 s in node: a result within seconds of the abort means the container run was killed.
    manager.once('escalate', () => setTimeout(() => controller.abort(), 300))
    const run = manager.execute(id, { code: `${FIB} fib(45)`, signal: controller.signal })
    const r = await run
    const abortedAt = performance.now()
    expect(r.status).toBe('cancelled')
    expect(r.escalations).toMatchObject([{ reason: 'hedge' }])
    expect(r.escalations).toHaveLength(1)
    // The container is free again: a next run in the sandbox goes through at once.
    const next = await manager.execute(id, '2 + 2')
    expect(next.value).toBe(4)
    expect(performance.now() - abortedAt).toBeLessThan(5000)
    await manager.destroy(id)
  })
})

describe('I17-6: JavaScript conformance through the hedged path', () => {
  const manager = newManager()
  const cases = JS_CONFORMANCE_CASES.filter((c) => c.name !== 'timeout')

  it.each(cases)('in-process winner (hedgeAfterMs 0): $name', async ({ request, expected }) => {
    const id = await manager.createSandbox({ trust: 'trusted', hedgeAfterMs: 0 })
    const r = await manager.execute(id, request)
    await manager.destroy(id)
    expect(r.status).toBe(expected.status)
    expect(r.value).toEqual(expected.value)
    if (expected.stdout !== undefined) expect(r.stdout).toBe(expected.stdout)
    if (expected.stderr !== undefined) expect(r.stderr).toBe(expected.stderr)
    if (expected.errorName) expect(r.error?.name).toBe(expected.errorName)
    if (expected.errorMessage) expect(r.error?.message).toMatch(expected.errorMessage)
  })

  // A syntax error ends the in-process attempt before any busy prefix could run.
  const busy = cases.filter((c) => c.name !== 'syntax error')
  it.each(busy)('container winner (in-process stopped): $name', async ({ request, expected }) => {
    // A busy prefix outlasts the tiny in-process budget: the hedged container attempt's result stands.
    const id = await manager.createSandbox({
      trust: 'trusted',
      hedgeAfterMs: 0,
      inProcessCpuBudgetMs: 20,
    })
    const code = `for (let i = 0; i < 2e6; i++) {}\n${request.code ?? ''}`
    const r = await manager.execute(id, { ...request, code })
    await manager.destroy(id)
    expect(r.tier).toBe('docker')
    expect(r.escalations[0]).toMatchObject({ reason: 'hedge', hedge: { winner: 'docker' } })
    expect(r.status).toBe(expected.status)
    expect(r.value).toEqual(expected.value)
    if (expected.stdout !== undefined) expect(r.stdout).toBe(expected.stdout)
    if (expected.stderr !== undefined) expect(r.stderr).toBe(expected.stderr)
    if (expected.errorName) expect(r.error?.name).toBe(expected.errorName)
    if (expected.errorMessage) expect(r.error?.message).toMatch(expected.errorMessage)
  })
})
