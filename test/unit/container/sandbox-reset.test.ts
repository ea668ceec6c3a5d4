import { describe, expect, it } from 'vitest'
import { markReset } from '../../../src/tiers/container/sandbox-reset.js'
import { emptyUsage, type ExecResult } from '../../../src/types.js'

function result(over: Partial<ExecResult>): ExecResult {
  return {
    status: 'ok',
    stdout: 'out',
    stderr: '',
    exitCode: 0,
    tier: 'docker',
    durationMs: 5,
    usage: emptyUsage(),
    escalations: [],
    ...over,
  }
}

describe('markReset', () => {
  it("turns a finished run whose leftovers forced a new container into 'crashed' ERR_SANDBOX_RESET", () => {
    const marked = markReset(result({ value: 42 }))
    expect(marked).toMatchObject({
      status: 'crashed',
      stdout: 'out',
      error: { code: 'ERR_SANDBOX_RESET', details: { sandboxReset: true } },
    })
    expect(marked.error?.message).toMatch(/files written before are gone/)
    expect(marked).not.toHaveProperty('value')
  })

  it('keeps a limit status and its code, and says the sandbox was reset', () => {
    const marked = markReset(
      result({
        status: 'timeout',
        error: { name: 'TimeoutError', message: 'The run exceeded', code: 'ERR_TIMEOUT' },
      }),
    )
    expect(marked).toMatchObject({
      status: 'timeout',
      error: { code: 'ERR_TIMEOUT', details: { sandboxReset: true } },
    })
    expect(marked.error?.message).toMatch(/^The run exceeded \(the sandbox was reset/)
  })
})
