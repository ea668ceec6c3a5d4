import { describe, expect, it } from 'vitest'
import { CANCELLED, TIMED_OUT, raceDeadline } from '../../../src/tiers/wasm/race-deadline.js'

const never = new Promise<never>(() => undefined)

describe('raceDeadline', () => {
  it('gives the value when it comes first', async () => {
    expect(await raceDeadline(Promise.resolve(7), undefined, 1000)).toBe(7)
  })

  it('gives TIMED_OUT when the time passes first', async () => {
    expect(await raceDeadline(never, undefined, 5)).toBe(TIMED_OUT)
  })

  it('gives TIMED_OUT at once when no time is left (a deadline already spent compiling)', async () => {
    expect(await raceDeadline(Promise.resolve(7), undefined, 0)).toBe(TIMED_OUT)
  })

  it('gives CANCELLED when the signal aborts first', async () => {
    const stop = new AbortController()
    const raced = raceDeadline(never, stop.signal)
    stop.abort()
    expect(await raced).toBe(CANCELLED)
  })
})
