/**
 * Container lifecycles: churn leaves nothing behind, the warm pool hands out started containers, closed
 * objects refuse use, cancellation ends runs, orphans of dead processes are reaped, and a missing engine is a
 * TierUnavailableError with the fix.
 */
import Dockerode from 'dockerode'
import { beforeAll, describe, expect, it } from 'vitest'
import { SandboxClosedError, TierUnavailableError } from '../../../src/errors.js'
import { DockerTier } from '../../../src/tiers/docker.js'
import { readBootId } from '../../../src/tiers/container/labels.js'
import { sessionContainers } from '../../../src/tiers/container/orphans.js'
import {
  KINDS,
  config,
  docker,
  ensureImage,
  expectNoContainers,
  makeTier,
  request,
} from './helpers.js'

beforeAll(() => ensureImage())

const DEAD_PID = 4_194_000

async function inBatches(
  total: number,
  width: number,
  fn: (i: number) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < total; i += width)
    await Promise.all(Array.from({ length: Math.min(width, total - i) }, (_, j) => fn(i + j)))
}

describe.each(KINDS)('%s tier lifecycle', (kind) => {
  it(`creates and destroys ${kind === 'docker' ? 50 : 20} sandboxes and leaves no container`, async () => {
    const tier = makeTier(kind, { poolSize: 1 })
    try {
      await inBatches(kind === 'docker' ? 50 : 20, 4, async (i) => {
        const sandbox = await tier.createSandbox(config())
        try {
          if (i % 10 === 0) expect((await sandbox.execute(request('echo up'))).stdout).toBe('up\n')
        } finally {
          await sandbox.close()
        }
      })
      expect(tier.sandboxCount).toBe(0)
    } finally {
      await tier.close()
    }
    await expectNoContainers(tier)
  })

  it('hands out a warm container from the pool and removes the pool on close', async () => {
    const tier = makeTier(kind, { poolSize: 1 })
    try {
      const first = await tier.createSandbox(config())
      // the refill is under way in the background (or already done): stats() says which
      const filling = tier.stats()
      expect(filling['warmStarting']! + filling['warmContainers']!).toBe(1)
      const deadline = Date.now() + 20_000
      while (tier.warmCount < 1 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50))
      expect(tier.stats()).toEqual({ sandboxes: 1, warmContainers: 1, warmStarting: 0 })
      const before = new Set(await sessionContainers(docker, tier.sessionId))
      const second = await tier.createSandbox(config())
      // The warm container itself, not a new one (how fast that is belongs to the bench: `containers`).
      expect(before.has(await second.containerId())).toBe(true)
      expect((await second.execute(request('echo warm'))).stdout).toBe('warm\n')
      await first.close()
    } finally {
      await tier.close()
    }
    await expectNoContainers(tier)
  })

  it('refuses use after close and cancels runs', async () => {
    const tier = makeTier(kind, { poolSize: 0 })
    try {
      const sandbox = await tier.createSandbox(config())
      const controller = new AbortController()
      const running = sandbox.execute(request('sleep 60', 'shell', { signal: controller.signal }))
      setTimeout(() => controller.abort(), 300)
      const started = Date.now()
      expect(await running).toMatchObject({ status: 'cancelled', error: { code: 'ERR_CANCELLED' } })
      expect(Date.now() - started).toBeLessThan(2500)
      const aborted = AbortSignal.abort()
      expect((await sandbox.execute(request('echo no', 'shell', { signal: aborted }))).status).toBe(
        'cancelled',
      )
      await expect(tier.createSandbox(config(), aborted)).rejects.toMatchObject({
        code: 'ERR_CANCELLED',
      })
      await Promise.all([sandbox.close(), sandbox.close()])
      await expect(sandbox.execute(request('echo'))).rejects.toBeInstanceOf(SandboxClosedError)
      await expect(sandbox.readFile('/work/x')).rejects.toBeInstanceOf(SandboxClosedError)
    } finally {
      await tier.close()
    }
    await expect(tier.createSandbox(config())).rejects.toBeInstanceOf(SandboxClosedError)
    await expectNoContainers(tier)
  })

  it('reports availability with versions', async () => {
    const tier = makeTier(kind)
    try {
      const availability = await tier.availability()
      expect(availability.available).toBe(true)
      expect(availability.versions['docker']).toMatch(/\d+\.\d+/)
      if (kind === 'gvisor') expect(availability.versions['runsc']).toMatch(/runsc/)
    } finally {
      await tier.close()
    }
  })
})

describe('orphans and a missing engine', () => {
  it('removes containers of dead sandtier processes when a tier starts, and only those', async () => {
    const labels = (pid: number, session: string) => ({
      sandtier: '1',
      'sandtier.session': session,
      'sandtier.tier': 'docker',
      'sandtier.pid': String(pid),
      'sandtier.boot': readBootId(),
    })
    const create = (pid: number, session: string) =>
      docker.createContainer({
        Image: 'sandtier-sandbox:latest',
        Cmd: ['sleep', 'infinity'],
        Labels: labels(pid, session),
        HostConfig: { NetworkMode: 'none' },
      })
    const orphan = await create(DEAD_PID, 'crashed-session')
    const alive = await create(process.pid, 'live-session')
    await orphan.start()
    const tier = new DockerTier({ poolSize: 0 })
    try {
      const sandbox = await tier.createSandbox(config())
      await sandbox.close()
      await expect(orphan.inspect()).rejects.toMatchObject({ statusCode: 404 })
      expect((await alive.inspect()).Id).toBe(alive.id)
    } finally {
      await tier.close()
      await orphan.remove({ force: true }).catch(() => undefined)
      await alive.remove({ force: true })
    }
  })

  it('is a TierUnavailableError with the fix when the engine is not there', async () => {
    const tier = new DockerTier({
      docker: new Dockerode({ socketPath: '/nonexistent/docker.sock' }),
    })
    try {
      const error: unknown = await tier.createSandbox(config()).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TierUnavailableError)
      expect((error as TierUnavailableError).hint).toMatch(/engine-up\.sh/)
      expect(await tier.availability()).toMatchObject({ available: false })
    } finally {
      await tier.close()
    }
  })
})
