/**
 * Spares beyond node after node (issue 15, spare.py / spare-policy.ts): a freshly acquired container asks for
 * one for the sandbox's language before any guest code ran in it, and the python harness gets one too (a fork
 * of the runner made ahead: under gVisor a fork is a new host process, ~20 ms). Proved from inside the run:
 * the process that runs the code started before the execute. Runc and runsc.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MiB, type SandboxConfig } from '../../../src/config.js'
import type { ContainerSandbox } from '../../../src/tiers/container/container-sandbox.js'
import { KINDS, config, ensureImage, expectNoContainers, makeTier, request } from './helpers.js'
import { PYTHON_AGE } from './spare-probes.js'

beforeAll(() => ensureImage())

/** Longer than a spare's start on either runtime (node ~100 ms runc, ~200 ms runsc): one waits by then. */
const IDLE_MS = 1500

// Forks of the runner waiting outside init's session (a python spare), seen from a node run.
const PYTHON_SPARES = `const fs = require('node:fs')
fs.readdirSync('/proc').filter((p) => {
  if (!/^[0-9]+$/.test(p)) return false
  try {
    const stat = fs.readFileSync('/proc/' + p + '/stat', 'utf8')
    const session = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]
    return fs.readFileSync('/proc/' + p + '/cmdline', 'utf8').includes('runner.py') && session !== '1'
  } catch {
    return false
  }
})`

describe.each(KINDS)('%s spares: the first run, python', (kind) => {
  const tier = makeTier(kind, { poolSize: 0 })
  const open = (overrides: SandboxConfig): Promise<ContainerSandbox> =>
    tier.createSandbox(config({ type: kind, limits: { executionTime: 20_000 }, ...overrides }))
  afterAll(async () => {
    await tier.close()
    await expectNoContainers(tier)
  })

  it('I15-P7: the first node run of a new container is a spare started before the execute', async () => {
    const sandbox = await open({ language: 'javascript', memoryLimit: 512 * MiB })
    await sleep(IDLE_MS)
    const r = await sandbox.execute(request('process.uptime()', 'javascript'))
    expect(r.status).toBe('ok')
    expect(r.value).toBeGreaterThanOrEqual((IDLE_MS - 200) / 1000)
  })

  it('I15-P8: the first python run of a new container (64 MiB) is a fork made before the execute', async () => {
    const sandbox = await open({ language: 'python' })
    await sleep(IDLE_MS)
    const r = await sandbox.execute(request(PYTHON_AGE, 'python'))
    expect(r.status).toBe('ok')
    expect(r.value).toBeGreaterThanOrEqual((IDLE_MS - 200) / 1000)
  })

  it('I15-P9: a python run after a python run is a spare, fresh: a global of the last run is absent', async () => {
    const sandbox = await open({ language: 'python' })
    await sandbox.execute(request('mark = 41\nmark + 1', 'python'))
    await sleep(IDLE_MS)
    const r = await sandbox.execute(
      request(`${PYTHON_AGE} > ${(IDLE_MS - 200) / 1000}, 'mark' in globals()`, 'python'),
    )
    expect(r).toMatchObject({ status: 'ok', value: [true, false] })
  })

  it('I15-P10: a node run after a python run ends the python spare before its code runs', async () => {
    const sandbox = await open({ language: 'python' })
    await sandbox.execute(request('1+1', 'python'))
    await sleep(IDLE_MS)
    const r = await sandbox.execute(request(PYTHON_SPARES, 'javascript'))
    expect(r).toMatchObject({ status: 'ok', value: [] })
  })

  it('I15-P11: a javascript sandbox below 256 MiB starts no node before its first run', async () => {
    const sandbox = await open({ language: 'javascript', memoryLimit: 128 * MiB })
    await sleep(IDLE_MS)
    const r = await sandbox.execute(request('process.uptime() < 1', 'javascript'))
    expect(r).toMatchObject({ status: 'ok', value: true })
  })
})
