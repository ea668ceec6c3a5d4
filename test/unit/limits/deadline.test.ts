import { describe, expect, it } from 'vitest'
import { RunDeadline } from '../../../src/limits/deadline.js'

describe('RunDeadline', () => {
  it('keeps the first stop reason', () => {
    const deadline = new RunDeadline(1000)
    expect(deadline.stop('output')).toBe(true)
    expect(deadline.stop('timeout')).toBe(false)
    expect(deadline.reason).toBe('output')
  })

  it('counts down from its limit and is not exceeded before it', () => {
    const deadline = new RunDeadline(60_000)
    expect(deadline.remaining()).toBeGreaterThan(59_000)
    expect(deadline.remaining()).toBeLessThanOrEqual(60_000)
    expect(deadline.exceeded()).toBe(false)
  })

  it('never ends later than notAfterMs', () => {
    const deadline = new RunDeadline(60_000, { notAfterMs: performance.now() - 1 })
    expect(deadline.exceeded()).toBe(true)
    expect(deadline.remaining()).toBe(0)
  })

  it('derives a sub-step deadline that ends no later than its parent', () => {
    const parent = new RunDeadline(1000)
    expect(parent.derive(60_000).atMs).toBe(parent.atMs)
    const short = parent.derive(10)
    expect(short.atMs).toBeLessThan(parent.atMs)
    expect(short.limitMs).toBe(10)
    short.stop('cpu')
    expect(parent.reason).toBeUndefined()
  })
})
