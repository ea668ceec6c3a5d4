/**
 * iptables/ip6tables commands for a network namespace that may reach only the policy's allowed endpoints.
 * Order matters: the chain is evaluated top down and the first match wins, so the catch-all DROP must be the
 * last rule (the seed appended it first, which made every later ACCEPT dead).
 */
import { ConfigError, PolicyDeniedError } from '../errors.js'
import { formatIpAddress, parseIpAddress } from './address-check.js'
import type { NetworkPolicy } from './network-policy.js'

/** An address and port that DNS resolution (through the policy) produced for an allowed name. */
export interface AllowedEndpoint {
  address: string
  port: number
}

/** Options for createIptablesRules. */
export interface IptablesRuleOptions {
  /** Chain the rules are appended to. @default 'OUTPUT' */
  chain?: string
  /** Endpoints to accept; each is checked against the policy again. @default [] */
  resolvedAllowed?: readonly AllowedEndpoint[]
}

const CHAIN_NAME = /^[A-Za-z0-9_-]{1,28}$/

/**
 * Builds the commands, IPv4 then IPv6, each family in this order: ESTABLISHED,RELATED ACCEPT, loopback ACCEPT,
 * one ACCEPT per allowed endpoint, DROP per blocked port (tcp and udp), and a final DROP.
 * With the network disabled no endpoint is accepted.
 *
 * @throws ConfigError for an invalid chain name.
 * @throws PolicyDeniedError when an endpoint is refused by the policy (private address, blocked or not allowed
 *   port), instead of silently dropping it.
 * @example createIptablesRules(policy, { resolvedAllowed: [{ address: '93.184.216.34', port: 443 }] })
 */
export function createIptablesRules(
  policy: NetworkPolicy,
  options: IptablesRuleOptions = {},
): string[] {
  const { chain = 'OUTPUT', resolvedAllowed = [] } = options
  if (!CHAIN_NAME.test(chain))
    throw new ConfigError('chain', 'an iptables chain name [A-Za-z0-9_-]{1,28}', chain)
  const endpoints = policy.enabled ? resolvedAllowed.map((e) => checkEndpoint(policy, e)) : []
  return (['iptables', 'ip6tables'] as const).flatMap((command) => {
    const family = command === 'iptables' ? 4 : 6
    const append = (rule: string): string => `${command} -A ${chain} ${rule}`
    return [
      append('-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'),
      append('-o lo -j ACCEPT'),
      ...endpoints
        .filter((e) => e.family === family)
        .map((e) => append(`-p tcp -d ${e.address} --dport ${e.port} -j ACCEPT`)),
      ...policy.config.blockedPorts.flatMap((port) => [
        append(`-p tcp --dport ${port} -j DROP`),
        append(`-p udp --dport ${port} -j DROP`),
      ]),
      append('-j DROP'),
    ]
  })
}

function checkEndpoint(
  policy: NetworkPolicy,
  endpoint: AllowedEndpoint,
): { address: string; port: number; family: 4 | 6 } {
  const { address, port } = endpoint
  const parsed = parseIpAddress(address)
  if (parsed === undefined) throw new PolicyDeniedError(String(address), 'dns_failed')
  const decision = policy.evaluateAddress(address)
  if (!decision.allow) throw new PolicyDeniedError(address, decision.reason)
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new PolicyDeniedError(address, 'port_not_allowed')
  if (policy.config.blockedPorts.includes(port))
    throw new PolicyDeniedError(address, 'port_blocked')
  if (!policy.allowsPort(port)) throw new PolicyDeniedError(address, 'port_not_allowed')
  return { address: formatIpAddress(parsed), port, family: parsed.kind() === 'ipv4' ? 4 : 6 }
}
