/**
 * A sandbox's memory does not grow with the number of its runs: under gVisor 20221219 every write of
 * /proc/self/oom_score_adj kept ~90 KiB of Sentry memory, and the runner wrote it in each forked run, so a
 * 64 MiB python sandbox grew ~0.1 MiB a run and ended a harmless run as 'memory' after a few hundred
 * (oom_score.py). Measured as the container's peak over one run, from the host's cgroup, after 20 and after
 * 150 runs. Runc and runsc. (Node runs still grow under runsc; rotation.test.ts covers how the sandbox copes.)
 */
import { afterAll, describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'
import { KINDS, closeManagerChecked } from '../../fixtures/sandtier.js'
import { ensureImage } from './helpers.js'

ensureImage()

const MiB = 2 ** 20

describe.each(KINDS)('I15-M: runs and memory on %s', (kind) => {
  const manager = new SandboxManager({ tiers: { [kind]: { poolSize: 0 } } })
  afterAll(() => closeManagerChecked(manager))

  it('I15-M1: 150 python runs leave the sandbox within 4 MiB of where 20 runs left it', async () => {
    await using sb = await manager.create({ type: kind, language: 'python' })
    const peaks: number[] = []
    for (let i = 1; i <= 150; i++) {
      const r = await sb.execute({ code: 'print(1)' })
      expect(r.status).toBe('ok')
      if (i === 20 || i === 150) peaks.push(r.usage.memoryPeakBytes)
    }
    const [after20 = 0, after150 = 0] = peaks
    expect(after150 - after20).toBeLessThan(4 * MiB)
  }, 120_000)
})
