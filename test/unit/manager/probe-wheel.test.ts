import { describe, expect, it } from 'vitest'
import { ProbeWheel } from '../../../src/manager/probe-wheel.js'

function fired(wheel: ProbeWheel, afterMs: number): Promise<number> {
  const start = performance.now()
  return new Promise((resolve) => wheel.add(afterMs, () => resolve(performance.now() - start)))
}

describe('ProbeWheel', () => {
  it('fires an entry after its delay, not before', async () => {
    const wheel = new ProbeWheel()
    const elapsedMs = await fired(wheel, 30)
    expect(elapsedMs).toBeGreaterThanOrEqual(29)
    expect(wheel.size).toBe(0)
  })

  it('fires entries in due order, a shorter one added later first', async () => {
    const wheel = new ProbeWheel()
    const order: string[] = []
    const long = new Promise<void>((resolve) =>
      wheel.add(80, () => (order.push('long'), resolve())),
    )
    wheel.add(10, () => order.push('short'))
    await long
    expect(order).toEqual(['short', 'long'])
  })

  it('never fires a removed entry, and fires the ones left around it', async () => {
    const wheel = new ProbeWheel()
    const order: string[] = []
    const gone = wheel.add(10, () => order.push('removed'))
    const last = new Promise<void>((resolve) =>
      wheel.add(40, () => (order.push('kept'), resolve())),
    )
    wheel.remove(gone)
    wheel.remove(gone)
    await last
    expect(order).toEqual(['kept'])
  })

  it('serves runs that come and go on one timer: each later entry still fires on time', async () => {
    const wheel = new ProbeWheel()
    for (let i = 0; i < 100; i++) wheel.remove(wheel.add(20, () => expect.fail('removed')))
    const elapsedMs = await fired(wheel, 20)
    expect(elapsedMs).toBeGreaterThanOrEqual(19)
    expect(elapsedMs).toBeLessThan(20 + 250)
  })
})
