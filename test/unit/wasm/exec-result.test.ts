import { describe, expect, it } from 'vitest'
import { compileFailureResult } from '../../../src/tiers/wasm/exec-result.js'

const limits = { compileTimeoutMs: 30_000, limitMs: 1000 }
const failure = (reason: 'deadline' | 'timeout' | 'cancelled') => ({
  reason,
  diagnostics: [],
  compileMs: 0,
})

describe('compileFailureResult', () => {
  it("names the run's wall-clock limit when it passed during the compile (I12-5)", () => {
    expect(compileFailureResult(failure('deadline'), 1001, limits)).toMatchObject({
      status: 'timeout',
      error: {
        name: 'TimeoutError',
        code: 'ERR_TIMEOUT',
        message: 'The run exceeded its wall-clock limit of 1000 ms',
        details: { phase: 'compile' },
      },
    })
  })

  it("names the compile's own limit when that passed first", () => {
    expect(compileFailureResult(failure('timeout'), 30_001, limits).error).toEqual({
      name: 'CompileError',
      code: 'ERR_TIMEOUT',
      message: 'AssemblyScript compile timed out after 30000 ms',
    })
  })

  it('reports a cancelled compile as cancelled', () => {
    expect(compileFailureResult(failure('cancelled'), 3, limits).status).toBe('cancelled')
  })
})
