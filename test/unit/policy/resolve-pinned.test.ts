import { describe, expect, it, vi } from 'vitest'
import { resolveConfig, type NetworkOptions } from '../../../src/config.js'
import { PolicyDeniedError } from '../../../src/errors.js'
import { NetworkPolicy } from '../../../src/policy/network-policy.js'
import { resolvePinned } from '../../../src/policy/resolve-pinned.js'

function policyWith(
  network: NetworkOptions,
  allowedDomains = ['api.allowed.test', '*.allowed.test'],
) {
  return NetworkPolicy.from(
    resolveConfig({ networkEnabled: true, allowedDomains, network }).network,
  )
}

async function denial(promise: Promise<unknown>): Promise<PolicyDeniedError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(PolicyDeniedError)
  return error as PolicyDeniedError
}

describe('resolvePinned', () => {
  it('returns the checked addresses, canonical, from the resolver override', async () => {
    const resolve = vi.fn(() => ['93.184.216.34', '2606:4700:0:0:0:0:6810:84E5', '::ffff:8.8.8.8'])
    const pinned = await resolvePinned(policyWith({ resolve }), 'api.allowed.test')
    expect(pinned).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700::6810:84e5', family: 6 },
      { address: '::ffff:808:808', family: 6 },
    ])
    expect(resolve).toHaveBeenCalledTimes(1)
    expect(resolve).toHaveBeenCalledWith('api.allowed.test')
  })

  it('refuses the whole name when one answer of several is private (mixed answers)', async () => {
    const resolve = vi.fn(async () => ['93.184.216.34', '127.0.0.1'])
    const error = await denial(resolvePinned(policyWith({ resolve }), 'api.allowed.test'))
    expect(error.reason).toBe('private_address')
    expect(error.host).toBe('api.allowed.test')
  })

  it('refuses AAAA-only private answers', async () => {
    const resolve = vi.fn(() => ['::1', 'fd00:ec2::254'])
    expect((await denial(resolvePinned(policyWith({ resolve }), 'api.allowed.test'))).reason).toBe(
      'private_address',
    )
  })

  it('checks every resolution: a rebinding answer on the next lookup is refused (D13)', async () => {
    const answers = [['93.184.216.34'], ['127.0.0.1']]
    const resolve = vi.fn(() => answers.shift() ?? [])
    const policy = policyWith({ resolve })
    // Resolution only: nothing connects anywhere in this test.
    expect(await resolvePinned(policy, 'rebind.allowed.test')).toEqual([
      { address: '93.184.216.34', family: 4 },
    ])
    expect((await denial(resolvePinned(policy, 'rebind.allowed.test'))).reason).toBe(
      'private_address',
    )
    expect(resolve).toHaveBeenCalledTimes(2)
  })

  it('refuses metadata behind an allowlisted name (D5, D14)', async () => {
    const resolve = vi.fn(() => ['169.254.169.254'])
    expect((await denial(resolvePinned(policyWith({ resolve }), 'api.allowed.test'))).reason).toBe(
      'private_address',
    )
  })

  it('lets allowPrivateCidrs exempt loopback for allowed names only', async () => {
    const resolve = vi.fn(() => ['127.0.0.1'])
    const policy = policyWith({ resolve, allowPrivateCidrs: ['127.0.0.0/8'] })
    expect(await resolvePinned(policy, 'api.allowed.test')).toEqual([
      { address: '127.0.0.1', family: 4 },
    ])
    expect((await denial(resolvePinned(policy, 'evil.test'))).reason).toBe('domain_not_allowed')
  })

  it.each([
    ['an empty answer', () => []],
    ['a non-address answer', () => ['2130706433']],
    ['a non-array answer', () => 'x' as unknown as string[]],
    [
      'a throwing resolver',
      () => {
        throw new Error('secret at /srv/app/secret.js')
      },
    ],
    ['a rejecting resolver', () => Promise.reject(new Error('boom'))],
  ])('turns %s into dns_failed', async (_label, fn) => {
    const error = await denial(resolvePinned(policyWith({ resolve: fn }), 'api.allowed.test'))
    expect(error.reason).toBe('dns_failed')
    expect(error.message).not.toContain('secret')
  })

  it('skips DNS for IP literals and still checks them', async () => {
    const resolve = vi.fn(() => ['127.0.0.1'])
    const policy = policyWith({ resolve }, ['8.8.8.8', '[2606:4700:4700::1111]', '10.0.0.1'])
    expect(await resolvePinned(policy, '8.8.8.8')).toEqual([{ address: '8.8.8.8', family: 4 }])
    expect(await resolvePinned(policy, '[2606:4700:4700::1111]')).toEqual([
      { address: '2606:4700:4700::1111', family: 6 },
    ])
    expect((await denial(resolvePinned(policy, '10.0.0.1'))).reason).toBe('private_address')
    expect(resolve).not.toHaveBeenCalled()
  })

  it('uses dns.lookup without an override (localhost from the hosts file, no network)', async () => {
    const policy = policyWith({ allowPrivateCidrs: ['127.0.0.0/8', '::1/128'] }, ['localhost'])
    const pinned = await resolvePinned(policy, 'localhost')
    expect(pinned.length).toBeGreaterThan(0)
    for (const { address } of pinned) expect(['127.0.0.1', '::1']).toContain(address)
    const strict = policyWith({}, ['localhost'])
    expect((await denial(resolvePinned(strict, 'localhost'))).reason).toBe('private_address')
  })

  it('abandons a hanging resolver when the signal aborts', async () => {
    const resolve = vi.fn(() => new Promise<string[]>(() => {}))
    const controller = new AbortController()
    const reason = new Error('run cancelled')
    setTimeout(() => controller.abort(reason), 20)
    await expect(
      resolvePinned(policyWith({ resolve }), 'api.allowed.test', { signal: controller.signal }),
    ).rejects.toBe(reason)
  })
})
