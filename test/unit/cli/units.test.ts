import { describe, expect, it } from 'vitest'
import { exitCodeFor } from '../../../src/cli/exit-codes.js'
import { parseDuration, parseSize } from '../../../src/cli/units.js'
import { emptyUsage, type ExecResult } from '../../../src/types.js'

describe('cli units', () => {
  it.each([
    ['64m', 64 * 1024 * 1024],
    ['512k', 512 * 1024],
    ['1g', 1024 ** 3],
    ['100', 100],
    ['1.5m', 1.5 * 1024 * 1024],
  ])('size %s', (text, bytes) => expect(parseSize('--memory', text)).toBe(bytes))

  it.each([
    ['2s', 2000],
    ['500ms', 500],
    ['1m', 60_000],
    ['750', 750],
  ])('duration %s', (text, ms) => expect(parseDuration('--timeout', text)).toBe(ms))

  it.each(['', 'abc', '12x', '-1m'])('refuses %j', (text) => {
    expect(() => parseSize('--memory', text)).toThrowError(/--memory/)
  })

  it('exit code follows the status', () => {
    const base: ExecResult = {
      status: 'ok',
      stdout: '',
      stderr: '',
      exitCode: 0,
      tier: 'quickjs',
      durationMs: 1,
      usage: emptyUsage(),
      escalations: [],
    }
    expect(exitCodeFor(base)).toBe(0)
    expect(exitCodeFor({ ...base, status: 'timeout', exitCode: 1 })).toBe(124)
    expect(exitCodeFor({ ...base, status: 'memory', exitCode: 1 })).toBe(137)
    expect(exitCodeFor({ ...base, status: 'error', exitCode: 3 })).toBe(3)
  })
})
