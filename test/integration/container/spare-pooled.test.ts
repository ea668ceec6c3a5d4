/**
 * Spares in the warm pool (issue 17, warm-pool.ts / container-tier.ts): a container started for the pool waits
 * with the spare of the language of the sandbox that took one of its key last, so the next sandbox's first run
 * finds its process started (node's start, ~100 ms runc / ~200 ms runsc, no longer on a hedged or heavy-before
 * run's path). A sandbox of another language ends that spare before its first run. Proved from inside the
 * run: the process that runs the code started before the sandbox was made. Runc and runsc.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { MiB, type SandboxConfig } from '../../../src/config.js'
import type { ContainerSandbox } from '../../../src/tiers/container/container-sandbox.js'
import type { ContainerTier } from '../../../src/tiers/container/container-tier.js'
import { KINDS, config, ensureImage, expectNoContainers, makeTier, request } from './helpers.js'
import { NODE_PIDS, PYTHON_AGE } from './spare-probes.js'

beforeAll(() => ensureImage())

/** Longer than a spare's start on either runtime: one waits by then. */
const IDLE_MS = 1500

/** Until the pool holds a started container (its refill after the last take), then IDLE_MS for its spare. */
async function poolSettled(tier: ContainerTier): Promise<void> {
  const deadline = Date.now() + 30_000
  while ((tier.warmCount < 1 || tier.stats()['warmStarting'] !== 0) && Date.now() < deadline)
    await sleep(50)
  expect(tier.warmCount).toBe(1)
  await sleep(IDLE_MS)
}

describe.each(KINDS)('%s spares: pooled containers', (kind) => {
  // A tier of its own per test: the pool's count is over all keys, and each test reads its one key's.
  let tier: ContainerTier
  const opened: ContainerSandbox[] = []
  const open = async (overrides: SandboxConfig): Promise<ContainerSandbox> => {
    const sandbox = await tier.createSandbox(
      config({ type: kind, limits: { executionTime: 20_000 }, ...overrides }),
    )
    opened.push(sandbox)
    return sandbox
  }
  beforeEach(() => {
    tier = makeTier(kind, { poolSize: 1 })
  })
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()))
    await tier.close()
    await expectNoContainers(tier)
  })

  it('I17-P1: the first node run of a pooled container is the spare it started while it waited', async () => {
    const js = { language: 'javascript', memoryLimit: 512 * MiB } as const
    await open(js)
    await poolSettled(tier)
    const made = performance.now()
    const r = await (await open(js)).execute(request('process.uptime()', 'javascript'))
    expect(r.status).toBe('ok')
    // Older than the sandbox: node started while the container waited in the pool.
    expect(r.value).toBeGreaterThan((performance.now() - made) / 1000)
    expect(r.value).toBeGreaterThanOrEqual((IDLE_MS - 200) / 1000)
  })

  it('I17-P2: the first python run of a pooled container is a fork its runner made while it waited', async () => {
    await open({ language: 'python' })
    await poolSettled(tier)
    const made = performance.now()
    const r = await (await open({ language: 'python' })).execute(request(PYTHON_AGE, 'python'))
    expect(r.status).toBe('ok')
    expect(r.value).toBeGreaterThan((performance.now() - made) / 1000)
    expect(r.value).toBeGreaterThanOrEqual((IDLE_MS - 200) / 1000)
  })

  it("I17-P3: a sandbox of another language ends the pooled spare before its first run's code", async () => {
    await open({ language: 'javascript', memoryLimit: 512 * MiB })
    await poolSettled(tier)
    const sandbox = await open({ language: 'python', memoryLimit: 512 * MiB })
    expect(await sandbox.execute(request(NODE_PIDS, 'python'))).toMatchObject({
      status: 'ok',
      value: [],
    })
  })

  it('I17-P4: below 256 MiB a pooled container starts no node for a javascript sandbox', async () => {
    const small = { language: 'javascript', memoryLimit: 128 * MiB } as const
    await open(small)
    await poolSettled(tier)
    const r = await (await open(small)).execute(request('process.uptime() < 1', 'javascript'))
    expect(r).toMatchObject({ status: 'ok', value: true })
  })
})
