import { describe, expect, it } from 'vitest'
import { CapacityError } from '../../../src/errors.js'
import { Admission } from '../../../src/manager/admission.js'

describe('Admission', () => {
  it('runs at most maxConcurrent at once, in order, and refuses past maxQueued', async () => {
    const admission = new Admission(2, 2)
    let peak = 0
    let now = 0
    const order: number[] = []
    const task = (i: number) => async () => {
      now++
      peak = Math.max(peak, now)
      await new Promise((r) => setTimeout(r, 10))
      order.push(i)
      now--
      return i
    }
    const runs = [0, 1, 2, 3].map((i) => admission.run(task(i)))
    await expect(admission.run(task(9))).rejects.toBeInstanceOf(CapacityError)
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3])
    expect(peak).toBe(2)
    expect(order.slice(2)).toEqual([2, 3])
    expect(admission.running).toBe(0)
    expect(admission.queued).toBe(0)
  })

  it('a failing task frees its slot', async () => {
    const admission = new Admission(1, 5)
    await expect(admission.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x')
    expect(await admission.run(() => Promise.resolve(1))).toBe(1)
  })
})
