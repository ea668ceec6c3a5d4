import { describe, expect, it } from 'vitest'
import {
  ConfigError,
  isSandboxError,
  PolicyDeniedError,
  ResourceExceededError,
  SandboxError,
  SandboxNotFoundError,
  TierUnavailableError,
} from '../../../src/index.js'

describe('errors', () => {
  it('every error is a SandboxError with a stable code', () => {
    const errors: SandboxError[] = [
      new ConfigError('x', 'a number', 'y'),
      new TierUnavailableError('gvisor', 'no runsc', 'install runsc'),
      new PolicyDeniedError('evil.test', 'domain_not_allowed'),
      new ResourceExceededError('memory', 10, 5),
      new SandboxNotFoundError('abc'),
    ]
    for (const e of errors) {
      expect(e).toBeInstanceOf(SandboxError)
      expect(isSandboxError(e)).toBe(true)
      expect(e.code).toMatch(/^ERR_[A-Z_]+$/)
      expect(e.name).toBe(e.constructor.name)
    }
  })

  it('keeps the seed ResourceExceededError(resource, used, limit)', () => {
    const e = new ResourceExceededError('cpu', 120, 100)
    expect([e.resource, e.used, e.limit]).toEqual(['cpu', 120, 100])
  })

  it('isSandboxError works on an object from another realm by its brand', () => {
    const foreign = { [Symbol.for('sandtier.SandboxError')]: true }
    expect(isSandboxError(foreign)).toBe(true)
    expect(isSandboxError(new Error('x'))).toBe(false)
    expect(isSandboxError(null)).toBe(false)
  })
})
