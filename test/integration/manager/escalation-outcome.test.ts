import Dockerode from 'dockerode'
import { describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'
import { DockerTier } from '../../../src/tiers/docker.js'
import { GVisorTier } from '../../../src/tiers/gvisor.js'

// What the caller sees of an escalation that does not happen: the first attempt's result, with the reason
// kept as data (the cause of the failure, the budget that stopped the run), not flattened into a string.
describe('manager: escalation outcomes kept as data (issue 13)', () => {
  it('an escalation that cannot start keeps the first result and the failure as its cause', async () => {
    const noEngine = () => new Dockerode({ socketPath: '/run/sandtier-no-such-engine.sock' })
    const manager = new SandboxManager({
      tierInstances: {
        gvisor: new GVisorTier({ docker: noEngine() }),
        docker: new DockerTier({ docker: noEngine() }),
      },
    })
    try {
      const result = await manager.runOnce({}, "require('child_process')")
      expect(result).toMatchObject({
        status: 'error',
        tier: 'quickjs',
        escalations: [],
        error: {
          code: 'ERR_CAPABILITY_REQUIRED',
          details: { capability: 'child_process' },
          cause: { name: 'TierUnavailableError', code: 'ERR_TIER_UNAVAILABLE' },
        },
      })
      expect(result.error?.message).toMatch(/; escalation to gvisor failed: /)
      expect(result.error?.message).toContain(result.error?.cause?.message)
    } finally {
      await manager.close()
    }
  })

  it('a run stopped by the in-process CPU budget and not re-run names the budget in details', async () => {
    const manager = new SandboxManager()
    try {
      const result = await manager.runOnce(
        { inProcessCpuBudgetMs: 100, hostFunctions: { note: () => 1 } },
        'for (;;) {}',
      )
      expect(result).toMatchObject({
        status: 'cpu',
        tier: 'quickjs',
        escalations: [],
        error: { code: 'ERR_CPU', details: { budgetMs: 100 } },
      })
      expect(result.error?.message).toMatch(/host functions \(note\)/)
    } finally {
      await manager.close()
    }
  })

  it("a run stopped by the caller's own cpuTime has no budget in its details", async () => {
    const manager = new SandboxManager()
    try {
      const result = await manager.runOnce(
        { type: 'quickjs', limits: { cpuTime: 100 } },
        'for (;;) {}',
      )
      expect(result).toMatchObject({ status: 'cpu', error: { code: 'ERR_CPU' } })
      expect(result.error?.details).toBeUndefined()
    } finally {
      await manager.close()
    }
  })
})
