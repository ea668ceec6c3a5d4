import { describe, expect, it } from 'vitest'
import { crashedError } from '../../../src/limits/limit-errors.js'
import { execResult } from '../../../src/limits/run-outcome.js'
import { emptyUsage } from '../../../src/types.js'

describe('execResult', () => {
  it('fills the shape every tier returns, with wallMs from durationMs and exit code 0 for ok', () => {
    expect(execResult({ tier: 'wasm', status: 'ok', durationMs: 5, value: 42 })).toEqual({
      status: 'ok',
      stdout: '',
      stderr: '',
      exitCode: 0,
      tier: 'wasm',
      durationMs: 5,
      usage: { ...emptyUsage(), wallMs: 5 },
      escalations: [],
      value: 42,
    })
  })

  it('keeps a container run null exit code, its measured usage and the truncation', () => {
    const error = crashedError('The sandbox died (exit code 137)')
    expect(
      execResult({
        tier: 'docker',
        status: 'crashed',
        durationMs: 9,
        exitCode: null,
        usage: { wallMs: 7, cpuMs: 3 },
        error,
        truncated: true,
      }),
    ).toEqual({
      status: 'crashed',
      stdout: '',
      stderr: '',
      exitCode: null,
      tier: 'docker',
      durationMs: 9,
      usage: { ...emptyUsage(), wallMs: 7, cpuMs: 3 },
      escalations: [],
      error: {
        name: 'GuestCrashed',
        message: 'The sandbox died (exit code 137)',
        code: 'ERR_CRASHED',
      },
      truncated: true,
    })
  })
})
