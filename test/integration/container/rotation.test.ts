/**
 * Container rotation (container-rotation.ts): under runsc every node process leaves memory in gVisor's Sentry,
 * charged to the container, and a 64 MiB JavaScript sandbox used to hit its memory limit on `1+1` after ~240
 * runs and lose its files. Its container is now replaced between runs once the runtime's own memory grew past
 * a quarter of the limit, with /work and /tmp carried over. runsc only: runc has no Sentry (the unit test
 * covers that the rule never applies there).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureImage, config, expectNoContainers, makeTier, request } from './helpers.js'

beforeAll(() => ensureImage())

/** Past the ~240 runs after which a 64 MiB sandbox hit its limit before. */
const RUNS = 320

describe('gvisor container rotation', () => {
  const tier = makeTier('gvisor', { poolSize: 1 })
  afterAll(async () => {
    await tier.close()
    await expectNoContainers(tier)
  })

  it('I17-M1: a 64 MiB javascript sandbox runs 1+1 320 times, its container replaced with its files', async () => {
    const sandbox = await tier.createSandbox(config({ type: 'gvisor', language: 'javascript' }))
    await sandbox.writeFile('/work/keep/data.txt', 'kept')
    const setup = await sandbox.execute(
      request(
        "const fs = require('node:fs'); fs.writeFileSync('/tmp/scratch.bin', Buffer.alloc(1e5, 7)); fs.symlinkSync('keep/data.txt', '/work/link'); fs.chmodSync('/work/keep/data.txt', 0o640); 1",
        'javascript',
      ),
    )
    expect(setup.status).toBe('ok')
    const containers = new Set([await sandbox.containerId()])
    const statuses: Record<string, number> = {}
    for (let i = 0; i < RUNS; i++) {
      const r = await sandbox.execute(request('1+1', 'javascript'))
      statuses[r.status] = (statuses[r.status] ?? 0) + 1
      containers.add(await sandbox.containerId())
    }
    expect(statuses).toEqual({ ok: RUNS })
    expect(containers.size).toBeGreaterThan(1)
    const after = await sandbox.execute(
      request(
        "const fs = require('node:fs'); const st = fs.statSync('/work/keep/data.txt'); [fs.readFileSync('/work/link', 'utf8'), fs.readFileSync('/tmp/scratch.bin').length, st.uid === process.getuid(), (st.mode & 0o777).toString(8)]",
        'javascript',
      ),
    )
    expect(after).toMatchObject({ status: 'ok', value: ['kept', 100000, true, '640'] })
    await sandbox.close()
  }, 300_000)
})
