/**
 * A sandbox that holds state is never re-run where that state is not (issue 17, "semantics identical
 * whichever attempt wins"), on real workers and real containers. After a run (or once restored or forked)
 * a quickjs or pywasm guest may hold globals no container has: a CPU-heavy run there gets no in-process
 * budget and ends in process, as `escalate: false` would; a run that needs a capability still moves, its
 * escalation record says `stateCarried: false`, and a name the container lacks says why in its error.
 * The pywasm cases are skipped, with the reason, where its artifacts are not built.
 */
import { describe, expect, it } from 'vitest'
import type { Language, SandboxConfig } from '../../../src/index.js'
import { locatePythonWasm } from '../../../src/tiers/python/artifacts.js'
import { containerTiers, managersClosedAfterAll } from './managers.js'

const python = await locatePythonWasm()
const newManager = managersClosedAfterAll()

/**
 * A budget the heavy runs below pass several times over, under limits they stay far below; trusted so a
 * capability run goes to docker (runc), the quicker container. The hedge is out of reach: a first run of a
 * fresh sandbox takes the budget path (a stateful one is never hedged anyway).
 */
const BUDGET_MS = 150
const CONFIG: SandboxConfig = {
  trust: 'trusted',
  inProcessCpuBudgetMs: BUDGET_MS,
  hedgeAfterMs: 604_800_000,
  limits: { cpuTime: 30_000, executionTime: 30_000 },
}

interface Case {
  language: Language
  tier: 'quickjs' | 'pywasm'
  set: string
  /** Well over BUDGET_MS of CPU in process; its value is data's length (3). */
  heavy: string
  /** Needs a capability the in-process tier lacks, then reads data. */
  capability: string
  reason: string
  missingName: string
}

const JS: Case = {
  language: 'javascript',
  tier: 'quickjs',
  set: 'globalThis.data = [1, 2, 3]; 1',
  heavy:
    '(() => { let s = 0; for (let i = 0; i < 1.5e7; i++) s += i % 3; return data.length + (s > 0 ? 0 : 1) })()',
  capability: "const fs = require('fs'); fs.existsSync('/etc') && data.length",
  reason: 'capability:fs',
  missingName: 'ReferenceError',
}
const PY: Case = {
  language: 'python',
  tier: 'pywasm',
  set: 'data = [1, 2, 3]',
  heavy: 's = 0\nfor i in range(5_000_000):\n    s += i % 3\nlen(data) + (0 if s > 0 else 1)',
  capability: 'import ctypes\nctypes.sizeof(ctypes.c_int) and len(data)',
  reason: 'capability:ctypes',
  missingName: 'NameError',
}

function skipped(c: Case): boolean {
  return c.language === 'python' && !python.available
}

describe('manager: a stateful sandbox is never re-run where its state is not', () => {
  it.each([
    ['I17-10', JS],
    ['I17-11', PY],
  ])(
    '%s: a heavy run after one that set a global ends in process with the global, no budget stop, no container',
    async (_id, c) => {
      if (skipped(c)) return
      const manager = newManager()
      const id = await manager.createSandbox({ ...CONFIG, language: c.language })
      expect((await manager.execute(id, c.set)).status).toBe('ok')
      const result = await manager.execute(id, c.heavy)
      expect(result).toMatchObject({ status: 'ok', value: 3, tier: c.tier, escalations: [] })
      // It ran past the budget: the budget would have stopped it and moved it to a container.
      expect(result.usage.cpuMs).toBeGreaterThan(BUDGET_MS)
      expect(await containerTiers(manager)).toEqual([])
    },
  )

  it('I17-12: the same heavy code as a fresh sandbox’s first run still escalates on its budget', async () => {
    const manager = newManager()
    const result = await manager.runOnce(CONFIG, JS.heavy.replace('data.length', '3'))
    expect(result).toMatchObject({ status: 'ok', value: 3, tier: 'docker' })
    expect(result.escalations).toEqual([{ from: 'quickjs', to: 'docker', reason: 'cpu-budget' }])
  })

  it.each([
    ['I17-13', JS],
    ['I17-14', PY],
  ])(
    '%s: a run that needs a capability still moves; the record and the missing name say the globals stayed',
    async (_id, c) => {
      if (skipped(c)) return
      const manager = newManager()
      const id = await manager.createSandbox({ ...CONFIG, language: c.language })
      expect((await manager.execute(id, c.set)).status).toBe('ok')
      const result = await manager.execute(id, c.capability)
      expect(result).toMatchObject({
        status: 'error',
        tier: 'docker',
        error: { name: c.missingName },
      })
      expect(result.escalations).toEqual([
        { from: c.tier, to: 'docker', reason: c.reason, stateCarried: false },
      ])
      expect(result.error?.message).toMatch(
        /data.* is not defined; the sandbox's earlier globals stayed in (quickjs|pywasm): /,
      )
    },
  )

  it('I17-15: a capability run of a stateful sandbox that uses no earlier global is ok on the container', async () => {
    const manager = newManager()
    const id = await manager.createSandbox(CONFIG)
    expect((await manager.execute(id, JS.set)).status).toBe('ok')
    const result = await manager.execute(id, "require('fs').existsSync('/etc')")
    expect(result).toMatchObject({ status: 'ok', value: true, tier: 'docker' })
    expect(result.escalations).toEqual([
      { from: 'quickjs', to: 'docker', reason: 'capability:fs', stateCarried: false },
    ])
  })

  it('I17-16: a forked sandbox holds state too: its heavy first run stays in process', async () => {
    const manager = newManager()
    const source = await manager.create(CONFIG)
    expect((await source.execute(JS.set)).status).toBe('ok')
    const fork = await manager.fork(source.id)
    const result = await fork.execute(JS.heavy)
    expect(result).toMatchObject({ status: 'ok', value: 3, tier: 'quickjs', escalations: [] })
    expect(await containerTiers(manager)).toEqual([])
  })
})
