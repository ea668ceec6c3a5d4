import type Dockerode from 'dockerode'
import { describe, expect, it, vi } from 'vitest'
import { WarmPool } from '../../../src/tiers/container/warm-pool.js'

const spec = (): Dockerode.ContainerCreateOptions => ({ Image: 'x' })
const fake = (id: string): Dockerode.Container => ({ id }) as Dockerode.Container
const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

function pool(size: number, start = vi.fn(async () => fake(`c${Math.random()}`))) {
  const remove = vi.fn(async (_container: Dockerode.Container) => undefined)
  return { pool: new WarmPool({ size, start, remove }), start, remove }
}

describe('WarmPool', () => {
  it('is disabled at size 0', async () => {
    const { pool: p, start } = pool(0)
    p.fill('k', spec)
    await flush()
    expect(p.take('k')).toBeUndefined()
    expect(start).not.toHaveBeenCalled()
  })

  it('fills to its size per key, hands each container out once and refills on request', async () => {
    const { pool: p, start } = pool(2)
    p.fill('k', spec)
    p.fill('k', spec)
    await flush()
    expect(start).toHaveBeenCalledTimes(2)
    expect(p.readyCount).toBe(2)
    const a = p.take('k')
    const b = p.take('k')
    expect(a).toBeDefined()
    expect(b).not.toBe(a)
    expect(p.take('k')).toBeUndefined()
    expect(p.take('other')).toBeUndefined()
    p.fill('k', spec)
    await flush()
    expect(start).toHaveBeenCalledTimes(4)
  })

  it("starts a key's containers with the spare argv of the latest fill of that key", async () => {
    const { pool: p, start } = pool(1)
    p.fill('k', spec, ['node', 'run-node.mjs'])
    await flush()
    expect(start).toHaveBeenLastCalledWith({ Image: 'x' }, ['node', 'run-node.mjs'])
    p.take('k')
    p.fill('k', spec, ['python3', 'run-python.py'])
    await flush()
    expect(start).toHaveBeenLastCalledWith({ Image: 'x' }, ['python3', 'run-python.py'])
    p.take('k')
    p.fill('k', spec)
    p.fill('j', spec, ['node'])
    await flush()
    expect(start.mock.calls.slice(-2)).toEqual([
      [{ Image: 'x' }, undefined],
      [{ Image: 'x' }, ['node']],
    ])
  })

  it('does not retry a failed start by itself', async () => {
    const start = vi.fn(async (): Promise<Dockerode.Container> => {
      throw new Error('engine down')
    })
    const { pool: p } = pool(1, start)
    p.fill('k', spec)
    await flush()
    await flush()
    expect(start).toHaveBeenCalledTimes(1)
    expect(p.readyCount).toBe(0)
  })

  it('removes ready containers and those still starting when closed', async () => {
    let release: (c: Dockerode.Container) => void = () => undefined
    const start = vi.fn(() => new Promise<Dockerode.Container>((r) => (release = r)))
    const { pool: p, remove } = pool(1, start)
    p.fill('ready', spec)
    release(fake('ready'))
    await flush()
    p.fill('slow', spec)
    const closing = p.close()
    release(fake('late'))
    await closing
    expect(remove.mock.calls.map(([c]) => c.id).sort()).toEqual(['late', 'ready'])
    p.fill('k', spec)
    expect(p.take('k')).toBeUndefined()
  })
})
