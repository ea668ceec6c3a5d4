/**
 * Hedged escalation of Python (issue 17) and of a sandbox that holds state, on real workers and real
 * containers: an auto-mode Python run starts on pywasm (CPython on WASI) and a CPU-heavy one finishes via
 * its container hedge; light ones never touch a container; a run on a sandbox whose earlier run left
 * globals is never hedged (its code would run without them in the container and could finish first with a
 * different result). Skipped, with the reason, where the pywasm artifacts are not built.
 */
import { describe, expect, it } from 'vitest'
import type { OutputChunk, SandboxManager } from '../../../src/index.js'
import { locatePythonWasm } from '../../../src/tiers/python/artifacts.js'
import { containerTiers, managersClosedAfterAll } from './managers.js'

const status = await locatePythonWasm()
const newManager = managersClosedAfterAll()

/** Waits until the docker tier's warm pool holds a ready container again (it refills after each take). */
async function warmPool(manager: SandboxManager): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (((await manager.stats()).tiers['docker']?.warmContainers ?? 0) > 0) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('no warm docker container after 10 s')
}

/** Well over a second of CPython on WASI (1.5–8× native), a fraction of that in the container's python. */
const PY_HEAVY = 's = 0\nfor i in range(15_000_000):\n    s += i % 7\nprint("done")\ns'
const LONG = { limits: { cpuTime: 60_000, executionTime: 60_000 }, inProcessCpuBudgetMs: 30_000 }

describe.skipIf(!status.available)('manager: hedged escalation of Python (pywasm)', () => {
  it('I17-7: a CPU-heavy Python loop in auto mode finishes via the container hedge, with only its output', async () => {
    const manager = newManager()
    // The docker tier loaded with a warm container, and a pywasm worker up: neither start is measured.
    await manager.runOnce({ type: 'docker', language: 'python' }, '1')
    await warmPool(manager)
    await manager.runOnce({ language: 'python' }, '1')
    const chunks: OutputChunk[] = []
    const result = await manager.runOnce(
      { language: 'python', trust: 'trusted', ...LONG },
      { code: PY_HEAVY, onOutput: (chunk) => chunks.push(chunk) },
    )
    expect(result).toMatchObject({
      status: 'ok',
      value: 44999997,
      stdout: 'done\n',
      tier: 'docker',
    })
    expect(result.escalations).toEqual([
      {
        from: 'pywasm',
        to: 'docker',
        reason: 'hedge',
        hedge: { afterMs: expect.any(Number), winner: 'docker', why: 'first-to-finish' },
      },
    ])
    expect(chunks.map((c) => [c.stream, c.text, c.tier])).toEqual([['stdout', 'done\n', 'docker']])
  })

  it('I17-8: light Python runs in auto mode stay on pywasm and never touch a container', async () => {
    const manager = newManager()
    for (let i = 0; i < 5; i++) {
      const result = await manager.runOnce({ language: 'python' }, `print(${i})\n${i} * 2`)
      expect(result).toMatchObject({ status: 'ok', value: i * 2, tier: 'pywasm', escalations: [] })
    }
    expect(await containerTiers(manager)).toEqual([])
  })
})

describe('manager: a sandbox that holds state is never hedged', () => {
  const cases = [
    {
      language: 'javascript' as const,
      set: 'globalThis.x = 5; 1',
      heavy:
        '(() => { let s = 0; for (let i = 0; i < 3e7; i++) s += i % 3; return x + (s > 0 ? 0 : 1) })()',
    },
    {
      language: 'python' as const,
      set: 'x = 5',
      heavy: 's = 0\nfor i in range(10_000_000):\n    s += i % 3\nx + (0 if s > 0 else 1)',
    },
  ]
  it.each(cases)(
    'I17-9: $language: a run after one that set a global keeps it: in process, no container made',
    async ({ language, set, heavy }) => {
      if (language === 'python' && !status.available) return
      const manager = newManager()
      const id = await manager.createSandbox({
        language,
        trust: 'trusted',
        hedgeAfterMs: 100,
        ...LONG,
      })
      // Ends long before the probe: only the heavy run below could be hedged.
      expect((await manager.execute(id, set)).status).toBe('ok')
      const result = await manager.execute(id, heavy)
      expect(result).toMatchObject({ status: 'ok', value: 5, escalations: [] })
      expect(result.tier).toBe(language === 'python' ? 'pywasm' : 'quickjs')
      expect(await containerTiers(manager)).toEqual([])
    },
  )
})
