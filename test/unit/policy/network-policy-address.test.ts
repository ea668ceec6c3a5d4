import { describe, expect, it } from 'vitest'
import { resolveConfig, type SandboxConfig } from '../../../src/config.js'
import { classifyAddress, parseIpAddress } from '../../../src/policy/address-check.js'
import { NetworkPolicy } from '../../../src/policy/network-policy.js'

function policyOf(network: SandboxConfig['network'] = {}): NetworkPolicy {
  return new NetworkPolicy(
    resolveConfig({ networkEnabled: true, allowedDomains: ['api.allowed.test'], network }).network,
  )
}

const strict = policyOf()

// Every range the design refuses: loopback, private, link-local, CGNAT, metadata, unspecified, multicast,
// broadcast, reserved, and IPv6 forms that carry one of those IPv4 addresses.
const refused: Array<[address: string, range: string]> = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'carrierGradeNat'],
  ['100.127.255.255', 'carrierGradeNat'],
  ['169.254.169.254', 'linkLocal'],
  ['169.254.170.2', 'linkLocal'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  ['198.18.0.1', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['192.0.0.1', 'reserved'],
  ['::1', 'loopback'],
  ['::', 'unspecified'],
  ['fe80::1', 'linkLocal'],
  ['fc00::1', 'uniqueLocal'],
  ['fd00:ec2::254', 'uniqueLocal'],
  ['ff02::1', 'multicast'],
  ['::ffff:127.0.0.1', 'ipv4Mapped:loopback'],
  ['::ffff:7f00:1', 'ipv4Mapped:loopback'],
  ['::ffff:a9fe:a9fe', 'ipv4Mapped:linkLocal'],
  ['::ffff:10.0.0.1', 'ipv4Mapped:private'],
  ['::127.0.0.1', 'unicast:loopback'],
  ['::7f00:1', 'unicast:loopback'],
  ['64:ff9b::7f00:1', 'rfc6052:loopback'],
  ['64:ff9b::a9fe:a9fe', 'rfc6052:linkLocal'],
  ['2002:7f00:1::', '6to4:loopback'],
  ['2002:a9fe:a9fe::1', '6to4:linkLocal'],
  ['2002:c0a8:101::1', '6to4:private'],
  ['64:ff9b:1::1', 'rfc6052'],
  ['::ffff:0:7f00:1', 'rfc6145'],
  ['2001::1', 'teredo'],
  ['2001:db8::1', 'reserved'],
  ['100::1', 'discard'],
  ['fec0::1', 'deprecatedSiteLocal'],
  ['1::1', 'reserved'],
]

const allowed: string[] = [
  '93.184.216.34',
  '8.8.8.8',
  '1.1.1.1',
  '11.0.0.1',
  '100.63.255.255',
  '100.128.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '169.253.255.255',
  '2606:4700:4700::1111',
  '2a00:1450:4001:80b::200e',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
]

describe('NetworkPolicy.evaluateAddress', () => {
  it.each(refused)('refuses %s (%s)', (address, range) => {
    const parsed = parseIpAddress(address)
    expect(parsed).toBeDefined()
    expect(classifyAddress(parsed!)).toBe(range)
    expect(strict.evaluateAddress(address)).toEqual({ allow: false, reason: 'private_address' })
    expect(strict.evaluateAddress(address, 'api.allowed.test')).toEqual({
      allow: false,
      reason: 'private_address',
    })
  })

  it.each(allowed)('allows public %s', (address) => {
    expect(strict.evaluateAddress(address, 'api.allowed.test')).toEqual({ allow: true })
  })

  it.each([
    '2130706433',
    '0x7f000001',
    '127.1',
    'localhost',
    '',
    'fe80::1%eth0',
    '[::1]',
    '1.2.3.4 ',
  ])('refuses the non-address answer %j as dns_failed', (answer) => {
    expect(strict.evaluateAddress(answer)).toEqual({ allow: false, reason: 'dns_failed' })
  })

  it('refuses any address for a name that is not allowed', () => {
    expect(strict.evaluateAddress('93.184.216.34', 'evil.test')).toEqual({
      allow: false,
      reason: 'domain_not_allowed',
    })
    expect(strict.evaluateAddress('93.184.216.34', 'API.ALLOWED.TEST')).toEqual({ allow: true })
  })
})

describe('allowPrivateCidrs', () => {
  it('exempts exactly the listed ranges, also in IPv4-mapped form', () => {
    const p = policyOf({ allowPrivateCidrs: ['127.0.0.0/8'] })
    expect(p.evaluateAddress('127.0.0.1')).toEqual({ allow: true })
    expect(p.evaluateAddress('127.3.2.1')).toEqual({ allow: true })
    expect(p.evaluateAddress('::ffff:127.0.0.1')).toEqual({ allow: true })
    expect(p.evaluateAddress('10.0.0.1')).toEqual({ allow: false, reason: 'private_address' })
    expect(p.evaluateAddress('::1')).toEqual({ allow: false, reason: 'private_address' })
    expect(p.evaluateAddress('169.254.169.254')).toEqual({
      allow: false,
      reason: 'private_address',
    })
  })

  it('accepts IPv6 CIDRs and bare addresses', () => {
    const p = policyOf({ allowPrivateCidrs: ['fd00::/8', '10.1.2.3'] })
    expect(p.evaluateAddress('fd00:ec2::254')).toEqual({ allow: true })
    expect(p.evaluateAddress('10.1.2.3')).toEqual({ allow: true })
    expect(p.evaluateAddress('10.1.2.4')).toEqual({ allow: false, reason: 'private_address' })
    expect(p.evaluateAddress('fe80::1')).toEqual({ allow: false, reason: 'private_address' })
  })

  it('does not exempt names that are not allowed', () => {
    const p = policyOf({ allowPrivateCidrs: ['127.0.0.0/8'] })
    expect(p.evaluateAddress('127.0.0.1', 'evil.test')).toEqual({
      allow: false,
      reason: 'domain_not_allowed',
    })
  })
})
