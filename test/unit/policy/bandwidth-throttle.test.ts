import { describe, expect, it } from 'vitest'
import { BandwidthThrottle } from '../../../src/policy/bandwidth-throttle.js'

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0
  return { now: () => t, advance: (ms) => void (t += ms) }
}

describe('BandwidthThrottle', () => {
  it('lets one second of bytes through at once, then paces at the rate', () => {
    const c = clock()
    const throttle = new BandwidthThrottle(1000, c.now)
    expect(throttle.consume(1000)).toBe(0)
    expect(throttle.consume(500)).toBe(500)
    c.advance(500)
    expect(throttle.consume(0)).toBe(0)
    expect(throttle.consume(1000)).toBe(1000)
  })

  it('never banks more than one second of idle time', () => {
    const c = clock()
    const throttle = new BandwidthThrottle(100, c.now)
    c.advance(60_000)
    expect(throttle.consume(100)).toBe(0)
    expect(throttle.consume(100)).toBe(1000)
  })
})
