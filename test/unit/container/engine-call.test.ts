import { describe, expect, it } from 'vitest'
import { EngineError } from '../../../src/errors.js'
import type { ContainerEngineError } from '../../../src/tiers/container/engine-call.js'
import {
  engineCall,
  isEngineUnreachable,
  toEngineError,
} from '../../../src/tiers/container/engine-call.js'

describe('engineCall', () => {
  it('passes results through', async () => {
    await expect(engineCall('x', async () => 42)).resolves.toBe(42)
  })

  it('turns a silent engine into an EngineError at the deadline', async () => {
    const started = Date.now()
    const never = new Promise<never>(() => undefined)
    await expect(engineCall('info', () => never, 50)).rejects.toThrow(
      /did not answer "info" within 50 ms/,
    )
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('maps a refused connection to an unreachable EngineError with a hint', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), {
      code: 'ECONNREFUSED',
    })
    const error = await engineCall('create container', () => Promise.reject(refused)).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(EngineError)
    expect(isEngineUnreachable(error)).toBe(true)
    expect((error as Error).message).toMatch(/unreachable.*engine-up\.sh/)
    expect((error as Error).cause).toBe(refused)
  })

  it('keeps the HTTP status and the engine message of a refused request', () => {
    const conflict = Object.assign(new Error('(HTTP code 409) unexpected - '), {
      statusCode: 409,
      json: { message: 'container abc is not running' },
    })
    const error = toEngineError('create exec', conflict) as ContainerEngineError
    expect(error.statusCode).toBe(409)
    expect(error.unreachable).toBe(false)
    expect(error.message).toBe(
      'Docker engine refused "create exec" with HTTP 409: container abc is not running',
    )
    expect(error.code).toBe('ERR_ENGINE')
  })
})
