import { describe, expect, it } from 'vitest'
import { isAlive, parseProcStat } from '../../../src/tiers/container/proc-stat.js'

// Fields 3..22 of a real line (runc, `sleep`): state ppid pgrp session … num_threads(20) … starttime(22).
const tail = (state: string, threads = 1, start = 61770): string =>
  `${state} 1 7 1 0 -1 4194560 93 0 1 0 0 0 0 0 20 0 ${threads} 0 ${start} 3010560 409 18446`

describe('parseProcStat', () => {
  it('reads state, ppid, pgrp, session, threads and starttime by their proc(5) numbers', () => {
    expect(parseProcStat(`7 (sleep) ${tail('S')}\n`)).toEqual({
      pid: 7,
      state: 'S',
      ppid: 1,
      pgrp: 7,
      session: 1,
      threads: 1,
      startTicks: 61770,
    })
  })

  it('is not fooled by a name holding ") ", spaces and a newline (K1)', () => {
    const stat = parseProcStat(`14 (x) Z\n) ${tail('R', 2)}\n`)
    expect(stat).toMatchObject({ pid: 14, state: 'R', session: 1, threads: 2 })
    expect(parseProcStat(`15 (a) b) c) ${tail('S')}`)).toMatchObject({ state: 'S', pgrp: 7 })
  })

  it('refuses text that is not a stat line', () => {
    expect(parseProcStat('')).toBeUndefined()
    expect(parseProcStat('7 (sleep) S 1 7')).toBeUndefined()
  })
})

describe('isAlive', () => {
  it('counts a zombie leader whose threads still run as alive, a plain zombie as dead', () => {
    expect(isAlive(parseProcStat(`14 (x) ${tail('Z', 2)}`)!)).toBe(true)
    expect(isAlive(parseProcStat(`14 (x) ${tail('Z', 1)}`)!)).toBe(false)
    expect(isAlive(parseProcStat(`14 (x) ${tail('T', 1)}`)!)).toBe(true)
  })
})
