/**
 * The runner's spare node process (issue 15, spare.py / spare-policy.ts): after a node run whose leftovers were
 * verified gone, a sandbox with room for it (memoryLimit >= 256 MiB) keeps a node waiting for its request, so
 * the next JavaScript run does not pay node's start; anything else ends it first. Runc and runsc.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MiB } from '../../../src/config.js'
import type { ContainerSandbox } from '../../../src/tiers/container/container-sandbox.js'
import { KINDS, config, ensureImage, expectNoContainers, makeTier, request } from './helpers.js'
import { NODE_PIDS } from './spare-probes.js'

beforeAll(() => ensureImage())

/** Longer than node's start on either runtime (~100 ms runc, ~200 ms runsc): a spare is waiting by then. */
const IDLE_MS = 1500

describe.each(KINDS)('%s spare', (kind) => {
  const tier = makeTier(kind, { poolSize: 0 })
  const open = (memoryLimit = 512 * MiB): Promise<ContainerSandbox> =>
    tier.createSandbox(config({ type: kind, memoryLimit, limits: { executionTime: 20_000 } }))
  afterAll(async () => {
    await tier.close()
    await expectNoContainers(tier)
  })

  it('I15-P1: a node run after a node run is a spare started before the execute', async () => {
    const sandbox = await open()
    expect(await sandbox.execute(request('1+1', 'javascript'))).toMatchObject({
      status: 'ok',
      value: 2,
    })
    await sleep(IDLE_MS)
    // process.uptime(): seconds since this node started; a fresh node would be a few hundred ms old at most.
    const r = await sandbox.execute(request('process.uptime()', 'javascript'))
    expect(r.status).toBe('ok')
    expect(r.value).toBeGreaterThanOrEqual((IDLE_MS - 200) / 1000)
  })

  it('I15-P2: a spare is fresh per run: a global set by one run is absent in the next', async () => {
    const sandbox = await open()
    await sandbox.execute(request('globalThis.mark = 41; mark + 1', 'javascript'))
    await sleep(IDLE_MS)
    const r = await sandbox.execute(
      request('[typeof globalThis.mark, process.uptime() > 1]', 'javascript'),
    )
    expect(r).toMatchObject({ status: 'ok', value: ['undefined', true] })
  })

  it('I15-P3: a python run after a node run ends the spare before its code runs', async () => {
    const sandbox = await open()
    await sandbox.execute(request('1+1', 'javascript'))
    await sleep(IDLE_MS)
    const r = await sandbox.execute(request(NODE_PIDS, 'python'))
    expect(r).toMatchObject({ status: 'ok', value: [] })
  })

  it('I15-P4: a sandbox below 256 MiB gets no spare and still runs node', async () => {
    const sandbox = await open(128 * MiB)
    await sandbox.execute(request('1+1', 'javascript'))
    await sleep(IDLE_MS)
    const r = await sandbox.execute(request('process.uptime() < 1', 'javascript'))
    expect(r).toMatchObject({ status: 'ok', value: true })
  })
})
