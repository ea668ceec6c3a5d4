import { describe, expect, it, vi } from 'vitest'
import {
  EngineError,
  PolicyDeniedError,
  ResourceExceededError,
  SandboxError,
  ValidationError,
} from '../../../src/errors.js'
import { guardedFetch, toGuestNetworkError } from '../../../src/policy/guarded-fetch.js'
import { createNetworkMeter } from '../../../src/policy/network-meter.js'
import { loopbackPolicy, startServer } from './local-server.js'

const SECRET = 'secret at /srv/app/secret.js'

function expectNoHostDetail(value: unknown, ...forbidden: string[]): void {
  const text = JSON.stringify(value)
  for (const needle of ['secret', '/srv', 'at ', '.js', ...forbidden])
    expect(text).not.toContain(needle)
}

describe('toGuestNetworkError', () => {
  it('hides the text of a throwing resolver', async () => {
    const resolve = vi.fn(() => {
      throw new Error(SECRET)
    })
    const error: unknown = await guardedFetch(
      loopbackPolicy(8080, resolve),
      createNetworkMeter(),
      'http://api.allowed.test:8080/',
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PolicyDeniedError)
    expect((error as Error).cause).toBeInstanceOf(Error) // kept for the host's logs
    const guest = toGuestNetworkError(error)
    expect(guest).toEqual({
      name: 'PolicyDeniedError',
      message: 'Network request denied: dns_failed',
      code: 'ERR_POLICY_DENIED',
      reason: 'dns_failed',
    })
    expectNoHostDetail(guest)
  })

  it('hides connection error text (addresses, ports, syscalls)', async () => {
    const server = await startServer(() => {})
    const port = server.port
    await server.close() // nothing listens on this port now
    const error: unknown = await guardedFetch(
      loopbackPolicy(port, () => ['127.0.0.1']),
      createNetworkMeter(),
      `http://api.allowed.test:${port}/`,
    ).catch((e: unknown) => e)
    expect(String((error as Error).message)).toContain('127.0.0.1') // the host-side error has details…
    const guest = toGuestNetworkError(error)
    expect(guest).toEqual({
      name: 'TypeError',
      message: 'fetch failed',
      code: 'ERR_NETWORK',
      reason: 'connection_refused',
    })
    expectNoHostDetail(guest, '127.0.0.1', String(port), 'ECONNREFUSED') // …the guest's has none
  })

  it.each<[string, unknown]>([
    ['a plain Error', new Error(SECRET)],
    ['a string', SECRET],
    ['an EngineError', new EngineError(SECRET)],
    ['a ValidationError not from request validation', new ValidationError(SECRET, ['/srv/x'])],
    ['a SandboxError with an odd code', new SandboxError('ERR_CRASHED', SECRET)],
    [
      'an object with a throwing getter',
      Object.defineProperty({}, 'code', {
        get: () => {
          throw new Error(SECRET)
        },
      }),
    ],
    ['null', null],
  ])('maps %s to a generic fetch failure', (_label, value) => {
    const guest = toGuestNetworkError(value)
    expect(guest).toEqual({
      name: 'TypeError',
      message: 'fetch failed',
      code: 'ERR_NETWORK',
      reason: 'network_error',
    })
  })

  it('keeps only known deny reasons and limit names', () => {
    expect(toGuestNetworkError(new PolicyDeniedError('h', SECRET))).toMatchObject({
      reason: 'denied',
    })
    expect(toGuestNetworkError(new ResourceExceededError(SECRET, 1, 2))).toEqual({
      name: 'ResourceExceededError',
      message: 'Network limit exceeded',
      code: 'ERR_RESOURCE_EXCEEDED',
      reason: 'limit',
    })
    const withHost = toGuestNetworkError(
      new PolicyDeniedError('internal.corp.example', 'domain_not_allowed'),
    )
    expect(JSON.stringify(withHost)).not.toContain('internal.corp')
  })
})
