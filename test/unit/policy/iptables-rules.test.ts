import { describe, expect, it } from 'vitest'
import { resolveConfig, type SandboxConfig } from '../../../src/config.js'
import { ConfigError, PolicyDeniedError } from '../../../src/errors.js'
import { createIptablesRules } from '../../../src/policy/iptables-rules.js'
import { NetworkPolicy } from '../../../src/policy/network-policy.js'

function policyOf(config: SandboxConfig = {}): NetworkPolicy {
  return new NetworkPolicy(
    resolveConfig({
      networkEnabled: true,
      allowedDomains: ['api.example.com', 'alt.example.com:8443'],
      ...config,
    }).network,
  )
}

const endpoints = [
  { address: '93.184.216.34', port: 443 },
  { address: '2606:4700:0:0:0:0:6810:84e5', port: 80 },
  { address: '1.1.1.1', port: 8443 },
]

function rulesOf(rules: string[], command: 'iptables' | 'ip6tables'): string[] {
  return rules.filter((r) => r.startsWith(`${command} `))
}

describe('createIptablesRules', () => {
  it('emits each family in order: established, loopback, allowed, blocked ports, final DROP', () => {
    const rules = createIptablesRules(policyOf(), { resolvedAllowed: endpoints })
    expect(rulesOf(rules, 'iptables')).toEqual([
      'iptables -A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
      'iptables -A OUTPUT -o lo -j ACCEPT',
      'iptables -A OUTPUT -p tcp -d 93.184.216.34 --dport 443 -j ACCEPT',
      'iptables -A OUTPUT -p tcp -d 1.1.1.1 --dport 8443 -j ACCEPT',
      'iptables -A OUTPUT -p tcp --dport 22 -j DROP',
      'iptables -A OUTPUT -p udp --dport 22 -j DROP',
      'iptables -A OUTPUT -p tcp --dport 25 -j DROP',
      'iptables -A OUTPUT -p udp --dport 25 -j DROP',
      'iptables -A OUTPUT -p tcp --dport 3389 -j DROP',
      'iptables -A OUTPUT -p udp --dport 3389 -j DROP',
      'iptables -A OUTPUT -p tcp --dport 5900 -j DROP',
      'iptables -A OUTPUT -p udp --dport 5900 -j DROP',
      'iptables -A OUTPUT -j DROP',
    ])
    expect(rulesOf(rules, 'ip6tables')).toContain(
      'ip6tables -A OUTPUT -p tcp -d 2606:4700::6810:84e5 --dport 80 -j ACCEPT',
    )
    expect(rules.at(-1)).toBe('ip6tables -A OUTPUT -j DROP')
  })

  it.each(['iptables', 'ip6tables'] as const)(
    'puts the catch-all DROP of %s last, after every ACCEPT (the seed put it first)',
    (command) => {
      const rules = rulesOf(
        createIptablesRules(policyOf(), { resolvedAllowed: endpoints }),
        command,
      )
      const catchAll = rules.indexOf(`${command} -A OUTPUT -j DROP`)
      expect(catchAll).toBe(rules.length - 1)
      const accepts = rules.flatMap((r, i) => (r.endsWith('-j ACCEPT') ? [i] : []))
      expect(accepts.length).toBeGreaterThan(0)
      expect(Math.max(...accepts)).toBeLessThan(catchAll)
      expect(rules[0]).toContain('ESTABLISHED,RELATED -j ACCEPT')
      expect(rules[1]).toContain('-o lo -j ACCEPT')
      const firstBlocked = rules.findIndex((r) => /--dport \d+ -j DROP$/.test(r))
      const lastAllowed = Math.max(...rules.map((r, i) => (r.includes(' -d ') ? i : -1)))
      expect(firstBlocked).toBeGreaterThan(lastAllowed)
    },
  )

  it('uses the given chain', () => {
    const rules = createIptablesRules(policyOf(), { chain: 'SANDTIER_EGRESS' })
    for (const rule of rules) expect(rule).toMatch(/^ip6?tables -A SANDTIER_EGRESS /)
  })

  it('accepts no endpoint when the network is disabled, but still ends with DROP', () => {
    const rules = createIptablesRules(policyOf({ networkEnabled: false }), {
      resolvedAllowed: endpoints,
    })
    expect(rules.some((r) => r.includes(' -d '))).toBe(false)
    expect(rulesOf(rules, 'iptables').at(-1)).toBe('iptables -A OUTPUT -j DROP')
  })

  it.each([
    [{ address: '127.0.0.1', port: 443 }, 'private_address'],
    [{ address: '169.254.169.254', port: 80 }, 'private_address'],
    [{ address: '::ffff:10.0.0.1', port: 80 }, 'private_address'],
    [{ address: '93.184.216.34', port: 22 }, 'port_blocked'],
    [{ address: '93.184.216.34', port: 8080 }, 'port_not_allowed'],
    [{ address: '93.184.216.34', port: 0 }, 'port_not_allowed'],
    [{ address: 'example.com', port: 443 }, 'dns_failed'],
    [{ address: '1.2.3.4 -j ACCEPT', port: 443 }, 'dns_failed'],
  ])('refuses endpoint %j with %s', (endpoint, reason) => {
    expect(() => createIptablesRules(policyOf(), { resolvedAllowed: [endpoint] })).toThrow(
      PolicyDeniedError,
    )
    try {
      createIptablesRules(policyOf(), { resolvedAllowed: [endpoint] })
    } catch (error) {
      expect((error as PolicyDeniedError).reason).toBe(reason)
    }
  })

  it.each(['', 'OUT PUT', 'X; rm -rf /', 'A'.repeat(29)])('refuses chain name %j', (chain) => {
    expect(() => createIptablesRules(policyOf(), { chain })).toThrow(ConfigError)
  })
})
