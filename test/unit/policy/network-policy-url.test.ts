import { describe, expect, it } from 'vitest'
import { resolveConfig, type SandboxConfig } from '../../../src/config.js'
import { ConfigError } from '../../../src/errors.js'
import type { DenyReason } from '../../../src/policy/decision.js'
import { NetworkPolicy, evaluate } from '../../../src/policy/network-policy.js'

function policyOf(config: SandboxConfig): NetworkPolicy {
  return new NetworkPolicy(resolveConfig(config).network)
}

// SECURITY-CASES (d): allowlist of names, a wildcard, a name with its own port, and IP literals listed literally.
const policy = policyOf({
  networkEnabled: true,
  allowedDomains: [
    'allowed.com',
    '*.example.com',
    'pinned.test:8443',
    'plain80.test:80',
    '8.8.8.8',
    '[2606:4700:4700::1111]',
    '127.0.0.1',
    'localhost',
  ],
})

const allowed: string[] = [
  'http://allowed.com/',
  'https://allowed.com/path?q=1#frag',
  'http://ALLOWED.COM/',
  'http://allowed.com:80/',
  'https://allowed.com:443/',
  'http://allowed.com:443/',
  'https://allowed.com:80/',
  'https://api.example.com/',
  'https://a.b.example.com/',
  'https://API.EXAMPLE.COM/',
  'https://pinned.test:8443/',
  'http://plain80.test:80/',
  'http://plain80.test/',
  'http://8.8.8.8/',
  'http://134744072/', // 8.8.8.8 in decimal: the same listed address
  'http://[2606:4700:4700::1111]/',
  'http://[2606:4700:4700:0:0:0:0:1111]/',
  // WHATWG maps these to allowed.com before the policy sees them, and the request connects to that same name.
  'http://ａｌｌｏｗｅｄ.com/',
  'http://allowed%2ecom/',
  'http:allowed.com/',
  ' http://allowed.com',
]

const refused: Array<[string, DenyReason]> = [
  // D2: numeric IPv4 encodings of loopback and metadata (even with 127.0.0.1 listed literally).
  ['http://2130706433/', 'private_address'],
  ['http://0x7f000001/', 'private_address'],
  ['http://0x7f.1/', 'private_address'],
  ['http://0177.0.0.1/', 'private_address'],
  ['http://017700000001/', 'private_address'],
  ['http://127.1/', 'private_address'],
  ['http://127.000.000.001/', 'private_address'],
  ['http://127.0.0.1/', 'private_address'],
  ['http://0/', 'private_address'],
  ['http://①②⑦.0.0.1/', 'private_address'],
  ['http://2852039166/', 'private_address'],
  ['http://0xa9fea9fe/', 'private_address'],
  ['http://169.254.169.254/latest/meta-data/', 'private_address'],
  ['http://169.254.170.2/v2/credentials', 'private_address'],
  ['http://100.64.0.1/', 'private_address'],
  ['http://100.100.100.200/', 'private_address'],
  // D6: one address per private and special range.
  ['http://10.0.0.1/', 'private_address'],
  ['http://172.16.0.1/', 'private_address'],
  ['http://192.168.0.1/', 'private_address'],
  ['http://0.1.2.3/', 'private_address'],
  ['http://198.18.0.1/', 'private_address'],
  ['http://224.0.0.1/', 'private_address'],
  ['http://240.0.0.1/', 'private_address'],
  ['http://255.255.255.255/', 'private_address'],
  // D3, D4, D5: IPv6 loopback, unspecified, link-local, ULA, mapped/compatible/NAT64/6to4 forms.
  ['http://[::1]/', 'private_address'],
  ['http://[::]/', 'private_address'],
  ['http://[0:0:0:0:0:0:0:1]/', 'private_address'],
  ['http://[fe80::1]/', 'private_address'],
  ['http://[fc00::1]/', 'private_address'],
  ['http://[fd00:ec2::254]/', 'private_address'],
  ['http://[ff02::1]/', 'private_address'],
  ['http://[::ffff:127.0.0.1]/', 'private_address'],
  ['http://[::ffff:7f00:1]/', 'private_address'],
  ['http://[::ffff:169.254.169.254]/', 'private_address'],
  ['http://[::ffff:a9fe:a9fe]/', 'private_address'],
  ['http://[0:0:0:0:0:ffff:169.254.169.254]/', 'private_address'],
  ['http://[64:ff9b::a9fe:a9fe]/', 'private_address'],
  ['http://[2002:a9fe:a9fe::]/', 'private_address'],
  ['http://[::127.0.0.1]/', 'private_address'],
  ['http://[2001:db8::1]/', 'private_address'],
  // D24: names that mean this machine or metadata, refused by name even when listed.
  ['http://localhost/', 'private_address'],
  ['http://LOCALHOST/', 'private_address'],
  ['http://localhost./', 'private_address'],
  ['http://foo.localhost/', 'private_address'],
  ['http://ip6-localhost/', 'private_address'],
  ['http://metadata.google.internal/', 'private_address'],
  // D1: public IP literals not listed literally.
  ['http://93.184.215.14/', 'domain_not_allowed'],
  ['http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/', 'domain_not_allowed'],
  ['http://8.8.4.4/', 'domain_not_allowed'],
  // D9: suffix and lookalike tricks; the apex does not match a wildcard.
  ['http://allowed.com.evil.com/', 'domain_not_allowed'],
  ['http://evilallowed.com/', 'domain_not_allowed'],
  ['http://xallowed.com/', 'domain_not_allowed'],
  ['http://allowed.com-evil.com/', 'domain_not_allowed'],
  ['http://sub.allowed.com/', 'domain_not_allowed'],
  ['https://example.com/', 'domain_not_allowed'],
  ['https://evilexample.com/', 'domain_not_allowed'],
  ['https://api.example.com.evil.com/', 'domain_not_allowed'],
  ['https://example.com.evil.com/', 'domain_not_allowed'],
  // D10: trailing dot, homoglyph (Cyrillic а gives a punycode host), punycode lookalike.
  ['http://allowed.com./', 'domain_not_allowed'],
  ['http://аllowed.com/', 'domain_not_allowed'],
  ['http://xn--llowed-2nf.com/', 'domain_not_allowed'],
  // D7, D8: userinfo and parser confusion: the policy sees the host the request would go to.
  ['http://allowed.com@evil.com/', 'domain_not_allowed'],
  ['http://allowed.com:80@evil.com:8080/', 'domain_not_allowed'],
  ['http://evil.com#@allowed.com/', 'domain_not_allowed'],
  ['http://evil.com\\@allowed.com/', 'domain_not_allowed'],
  ['http:/\\/evil.com/', 'domain_not_allowed'],
  ['http://evil.com\t/', 'domain_not_allowed'],
  ['http://1.1.1.1 &@2.2.2.2# @3.3.3.3/', 'domain_not_allowed'],
  ['http://user:pw@allowed.com/', 'credentials_in_url'],
  ['http://user@allowed.com/', 'credentials_in_url'],
  ['http://:pw@allowed.com/', 'credentials_in_url'],
  ['http://allowed.com%00.evil.com/', 'invalid_url'],
  ['http://[fe80::1%25eth0]/', 'invalid_url'],
  ['http://allowed.com:65536/', 'invalid_url'],
  ['not a url', 'invalid_url'],
  ['', 'invalid_url'],
  // D16: schemes other than http and https.
  ['file:///etc/passwd', 'scheme_not_allowed'],
  ['data:text/plain,hi', 'scheme_not_allowed'],
  ['gopher://allowed.com:70/', 'scheme_not_allowed'],
  ['ftp://allowed.com/', 'scheme_not_allowed'],
  ['ws://allowed.com/', 'scheme_not_allowed'],
  ['wss://allowed.com/', 'scheme_not_allowed'],
  ['javascript:alert(1)', 'scheme_not_allowed'],
  ['blob:http://allowed.com/4a1c', 'scheme_not_allowed'],
  // D15: blocked ports always refused; other ports need allowedPorts or an entry's own port.
  ['http://allowed.com:22/', 'port_blocked'],
  ['http://allowed.com:25/', 'port_blocked'],
  ['https://allowed.com:3389/', 'port_blocked'],
  ['http://allowed.com:5900/', 'port_blocked'],
  ['http://allowed.com:8080/', 'port_not_allowed'],
  ['http://allowed.com:2375/', 'port_not_allowed'],
  ['http://allowed.com:6379/', 'port_not_allowed'],
  ['http://allowed.com:0/', 'port_not_allowed'],
  ['https://pinned.test/', 'port_not_allowed'],
  ['https://pinned.test:8444/', 'port_not_allowed'],
  ['https://plain80.test/', 'port_not_allowed'],
]

describe('NetworkPolicy.evaluateUrl', () => {
  it.each(allowed)('allows %j', (url) => {
    expect(policy.evaluateUrl(url)).toEqual({ allow: true })
  })

  it.each(refused)('refuses %j with %s', (url, reason) => {
    expect(policy.evaluateUrl(url)).toEqual({ allow: false, reason })
  })

  it('accepts URL objects and decides on the same parse', () => {
    expect(policy.evaluateUrl(new URL('https://api.example.com/x'))).toEqual({ allow: true })
    expect(policy.evaluateUrl(new URL('http://2130706433/'))).toEqual({
      allow: false,
      reason: 'private_address',
    })
  })

  it('refuses everything when the network is disabled', () => {
    const off = policyOf({ networkEnabled: false, allowedDomains: ['allowed.com'] })
    for (const url of [
      'http://allowed.com/',
      'file:///etc/passwd',
      'http://127.0.0.1/',
      'nonsense',
    ])
      expect(off.evaluateUrl(url)).toEqual({ allow: false, reason: 'network_disabled' })
    expect(off.evaluateAddress('93.184.216.34')).toEqual({
      allow: false,
      reason: 'network_disabled',
    })
  })

  it('is deny by default: enabled with no allowedDomains allows nothing', () => {
    const empty = policyOf({ networkEnabled: true })
    expect(empty.evaluateUrl('https://example.com/')).toEqual({
      allow: false,
      reason: 'domain_not_allowed',
    })
    expect(empty.evaluateUrl('http://8.8.8.8/')).toEqual({
      allow: false,
      reason: 'domain_not_allowed',
    })
  })

  it('lifts the private ban for IP literals inside allowPrivateCidrs, and only for listed literals', () => {
    const loopback = policyOf({
      networkEnabled: true,
      allowedDomains: ['127.0.0.1:8080'],
      network: { allowPrivateCidrs: ['127.0.0.0/8'] },
    })
    expect(loopback.evaluateUrl('http://127.0.0.1:8080/')).toEqual({ allow: true })
    expect(loopback.evaluateUrl('http://2130706433:8080/')).toEqual({ allow: true }) // the same address
    expect(loopback.evaluateUrl('http://127.0.0.2:8080/')).toEqual({
      allow: false,
      reason: 'domain_not_allowed',
    })
    expect(loopback.evaluateUrl('http://127.0.0.1:8081/')).toEqual({
      allow: false,
      reason: 'port_not_allowed',
    })
  })

  it('keeps blocked ports refused even when an entry names them', () => {
    const p = policyOf({
      networkEnabled: true,
      allowedDomains: ['ssh.example.org:22'],
      network: { allowedPorts: [22] },
    })
    expect(p.evaluateUrl('http://ssh.example.org:22/')).toEqual({
      allow: false,
      reason: 'port_blocked',
    })
    expect(p.allowsPort(22)).toBe(false)
  })
})

describe('evaluate (URL and resolved addresses together)', () => {
  it('allows an allowed name whose every address is public', () => {
    const request = {
      url: 'https://api.example.com/',
      addresses: ['93.184.216.34', '2606:4700::6810:84e5'],
    }
    expect(evaluate(policy, request)).toEqual({ allow: true })
  })

  it('refuses the name when any one address is private (mixed answers)', () => {
    const request = { url: 'https://api.example.com/', addresses: ['93.184.216.34', '127.0.0.1'] }
    expect(evaluate(policy, request)).toEqual({ allow: false, reason: 'private_address' })
  })

  it('refuses an allowlisted name resolving to metadata (D5, D14)', () => {
    const request = { url: 'http://allowed.com/', addresses: ['169.254.169.254'] }
    expect(evaluate(policy, request)).toEqual({ allow: false, reason: 'private_address' })
  })

  it('reports the URL refusal first', () => {
    const request = { url: 'http://evil.com/', addresses: ['127.0.0.1'] }
    expect(evaluate(policy, request)).toEqual({ allow: false, reason: 'domain_not_allowed' })
  })

  it('refuses answers that are not IP addresses', () => {
    const request = { url: 'http://allowed.com/', addresses: ['2130706433'] }
    expect(evaluate(policy, request)).toEqual({ allow: false, reason: 'dns_failed' })
  })
})

describe('allowedDomains entries', () => {
  it.each([
    '*',
    '*.com',
    '*.*.example.com',
    'http://example.com',
    'example.com/path',
    'user@example.com',
    '',
    ' example.com',
    '*.127.0.0.1',
    '*.[::1]',
    'example.com:0',
    'example.com:99999',
    'exa mple.com',
  ])('refuses %j with a ConfigError naming the entry', (entry) => {
    expect(() => policyOf({ networkEnabled: true, allowedDomains: ['ok.test', entry] })).toThrow(
      ConfigError,
    )
    try {
      policyOf({ networkEnabled: true, allowedDomains: ['ok.test', entry] })
    } catch (error) {
      expect((error as ConfigError).option).toBe('allowedDomains[1]')
    }
  })

  it('canonicalizes entries like request hosts (case, fullwidth, trailing dot)', () => {
    const p = policyOf({
      networkEnabled: true,
      allowedDomains: ['ＡＰＩ.Example.COM.', '*.Wild.Example'],
    })
    expect(p.evaluateUrl('https://api.example.com/')).toEqual({ allow: true })
    expect(p.evaluateUrl('https://x.wild.example/')).toEqual({ allow: true })
    expect(p.isHostAllowed('API.example.com')).toBe(true)
    expect(p.isHostAllowed('wild.example')).toBe(false)
  })

  it('refuses an invalid allowPrivateCidrs entry with a ConfigError naming it', () => {
    expect(() =>
      policyOf({
        networkEnabled: true,
        network: { allowPrivateCidrs: ['127.0.0.0/8', '10.0.0.0/33'] },
      }),
    ).toThrow(/network\.allowPrivateCidrs\[1\]/)
  })

  it('NetworkPolicy.from accepts a SandboxConfig or a resolved network config', () => {
    const fromSandbox = NetworkPolicy.from({
      networkEnabled: true,
      allowedDomains: ['allowed.com'],
    })
    const fromResolved = NetworkPolicy.from(
      resolveConfig({ networkEnabled: true, allowedDomains: ['allowed.com'] }).network,
    )
    for (const p of [fromSandbox, fromResolved]) {
      expect(p.evaluateUrl('https://allowed.com/')).toEqual({ allow: true })
      expect(p.evaluateUrl('https://other.com/')).toEqual({
        allow: false,
        reason: 'domain_not_allowed',
      })
    }
  })

  it('I14-3: new NetworkPolicy takes the seed-style config: allowed domains enable it', () => {
    const p = new NetworkPolicy({ allowedDomains: ['api.example.com'], blockedPorts: [8443] })
    expect(p.evaluateUrl('https://api.example.com/v1')).toEqual({ allow: true })
    expect(p.evaluateUrl('https://api.example.com:8443/')).toEqual({
      allow: false,
      reason: 'port_blocked',
    })
    expect(p.evaluateUrl('https://other.example.com/')).toEqual({
      allow: false,
      reason: 'domain_not_allowed',
    })
  })

  it('I14-3: networkEnabled: false or no allowed domain allows nothing', () => {
    const off = new NetworkPolicy({ networkEnabled: false, allowedDomains: ['api.example.com'] })
    expect(off.evaluateUrl('https://api.example.com/')).toEqual({
      allow: false,
      reason: 'network_disabled',
    })
    expect(new NetworkPolicy({}).evaluateUrl('https://api.example.com/')).toEqual({
      allow: false,
      reason: 'network_disabled',
    })
  })

  it.each([
    ['null', null, /NetworkPolicy options/],
    ['an array', ['api.example.com'], /NetworkPolicy options/],
    ['allowedDomains not an array', { allowedDomains: 'api.example.com' }, /allowedDomains/],
    ['a negative blocked port', { allowedDomains: ['a.com'], blockedPorts: [-1] }, /blockedPorts/],
    [
      'a bad CIDR',
      { allowedDomains: ['a.com'], network: { allowPrivateCidrs: ['x'] } },
      /allowPrivateCidrs/,
    ],
  ])('I14-3: new NetworkPolicy with %s throws a ConfigError naming it', (_name, options, named) => {
    const make = (): NetworkPolicy => new NetworkPolicy(options as never)
    expect(make).toThrow(ConfigError)
    expect(make).toThrow(named)
  })
})
