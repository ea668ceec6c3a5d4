/**
 * NetworkPolicy: the pure decision core shared by every tier. It answers "may this URL be fetched?" before any
 * DNS, and "may this resolved address be connected to?" after it; it never touches the network itself.
 */
import { ConfigError } from '../errors.js'
import { resolveConfig, type ResolvedNetworkConfig, type SandboxConfig } from '../config.js'
import {
  classifyAddress,
  isInCidrs,
  parseCidrs,
  parseIpAddress,
  type Cidr,
} from './address-check.js'
import { ALLOW, deny, type Decision } from './decision.js'
import { SecretRules } from './secret-rules.js'
import {
  isIpLiteralHost,
  isReservedName,
  matchingRules,
  parseDomainRule,
  stripBrackets,
  type DomainRule,
} from './domain-rules.js'

/** What `evaluate` checks: a URL and, once resolved, the addresses its host name resolved to. */
export interface PolicyRequest {
  url: string | URL
  /** Resolved addresses of the URL's host; every one must pass. Omitted: only the URL is checked. */
  addresses?: readonly string[]
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 }

/**
 * Deny-by-default network policy built from a ResolvedNetworkConfig.
 *
 * Protects: which schemes, hosts, ports and resolved addresses a guest may reach; loopback, private,
 * link-local, CGNAT, metadata, multicast and reserved addresses are refused in every encoding unless listed in
 * `allowPrivateCidrs`. Does not protect by itself: the caller must connect to the address it checked (see
 * guardedFetch and resolvePinned) and re-check every redirect hop.
 *
 * @example
 * const policy = NetworkPolicy.from(resolveConfig({ networkEnabled: true, allowedDomains: ['*.example.com'] }).network)
 * policy.evaluateUrl('https://api.example.com/v1') // { allow: true }
 * policy.evaluateUrl('http://169.254.169.254/')    // { allow: false, reason: 'private_address' }
 */
export class NetworkPolicy {
  /** The configuration the policy was built from (frozen copy). */
  readonly config: Readonly<ResolvedNetworkConfig>
  /** The sandbox's secrets: where placeholders become values, and values placeholders. */
  readonly secrets: SecretRules
  readonly #rules: readonly DomainRule[]
  readonly #privateExemptions: readonly Cidr[]
  readonly #blockedPorts: ReadonlySet<number>
  readonly #allowedPorts: ReadonlySet<number>

  /**
   * Takes the policy part of a SandboxConfig (`networkEnabled`, `allowedDomains`, `blockedPorts`,
   * `network`), as the seed did, or a resolved network config. A policy that lists allowed domains is
   * enabled unless `networkEnabled: false` says otherwise; one with none allows nothing.
   * @example new NetworkPolicy({ allowedDomains: ['api.example.com'] }).evaluateUrl('https://api.example.com/')
   * @throws ConfigError naming the first invalid option (or unparsable domain rule or CIDR).
   */
  constructor(options: ResolvedNetworkConfig | NetworkPolicyOptions) {
    const config = isResolved(options) ? options : resolvePolicyOptions(options)
    this.config = Object.freeze({ ...config })
    this.#rules = config.allowedDomains.map((entry, i) => parseDomainRule(entry, i))
    this.secrets = new SecretRules(config.secrets)
    this.#privateExemptions = config.allowPrivateCidrs.map((entry, i) => {
      try {
        return parseCidrs([entry])[0] as Cidr
      } catch {
        throw new ConfigError(
          `network.allowPrivateCidrs[${i}]`,
          'a CIDR such as 127.0.0.0/8',
          entry,
        )
      }
    })
    this.#blockedPorts = new Set(config.blockedPorts)
    this.#allowedPorts = new Set(config.allowedPorts)
  }

  /**
   * Builds a policy from a resolved network config, or from a SandboxConfig (resolved with its defaults).
   * @throws ConfigError naming the first invalid option.
   */
  static from(config: ResolvedNetworkConfig | SandboxConfig): NetworkPolicy {
    return new NetworkPolicy(isResolved(config) ? config : resolveConfig(config).network)
  }

  /** True when the network is enabled at all. */
  get enabled(): boolean {
    return this.config.enabled
  }

  /**
   * Decides on scheme, credentials, host and port, before any DNS. IP-literal hosts are also checked as
   * addresses here, since they will not be resolved.
   */
  evaluateUrl(url: string | URL): Decision {
    if (!this.config.enabled) return deny('network_disabled')
    const parsed = parseUrl(url)
    if (parsed === undefined) return deny('invalid_url')
    if (!(parsed.protocol in DEFAULT_PORTS)) return deny('scheme_not_allowed')
    const host = parsed.hostname
    if (isIpLiteralHost(host)) {
      const address = this.#checkAddress(stripBrackets(host))
      if (!address.allow) return address
    } else if (isReservedName(host)) {
      return deny('private_address')
    }
    // A trailing dot is a different DNS query than the name without it; refusing it keeps one spelling per host.
    if (host.endsWith('.')) return deny('domain_not_allowed')
    const rules = matchingRules(this.#rules, host)
    if (rules.length === 0) return deny('domain_not_allowed')
    if (parsed.username !== '' || parsed.password !== '') return deny('credentials_in_url')
    const port = effectivePort(parsed)
    if (this.#blockedPorts.has(port)) return deny('port_blocked')
    const portAllowed = rules.some((rule) =>
      rule.port === undefined ? this.#allowedPorts.has(port) : rule.port === port,
    )
    return portAllowed ? ALLOW : deny('port_not_allowed')
  }

  /**
   * Decides on one resolved address of `hostname`. With `hostname`, the name must also be allowed (the
   * `allowPrivateCidrs` exemption only ever applies to names that are allowed anyway).
   */
  evaluateAddress(address: string, hostname?: string): Decision {
    if (!this.config.enabled) return deny('network_disabled')
    if (hostname !== undefined && !this.isHostAllowed(hostname)) return deny('domain_not_allowed')
    return this.#checkAddress(address)
  }

  /** Checks the URL, then every address (all must pass: one refused address refuses the name). */
  evaluate(request: PolicyRequest): Decision {
    const urlDecision = this.evaluateUrl(request.url)
    if (!urlDecision.allow || request.addresses === undefined) return urlDecision
    for (const address of request.addresses) {
      const decision = this.#checkAddress(address)
      if (!decision.allow) return decision
    }
    return ALLOW
  }

  /** True when `hostname` (a URL hostname, a bare IPv6 or a name) matches an `allowedDomains` entry. */
  isHostAllowed(hostname: string): boolean {
    const host = canonicalHost(hostname)
    return host !== undefined && !host.endsWith('.') && matchingRules(this.#rules, host).length > 0
  }

  /** True when some request could use `port`: not blocked, and in `allowedPorts` or an entry's `:port`. */
  allowsPort(port: number): boolean {
    if (this.#blockedPorts.has(port)) return false
    return this.#allowedPorts.has(port) || this.#rules.some((rule) => rule.port === port)
  }

  #checkAddress(text: string): Decision {
    const address = parseIpAddress(text)
    if (address === undefined) return deny('dns_failed')
    if (isInCidrs(address, this.#privateExemptions)) return ALLOW
    return classifyAddress(address) === 'unicast' ? ALLOW : deny('private_address')
  }
}

/**
 * The pure decision function: `policy.evaluate(request)`.
 * @example evaluate(policy, { url: 'https://api.example.com/', addresses: ['93.184.216.34'] })
 */
export function evaluate(policy: NetworkPolicy, request: PolicyRequest): Decision {
  return policy.evaluate(request)
}

/** The port a URL connects to: explicit, else the scheme's default. */
export function effectivePort(url: URL): number {
  return url.port === '' ? (DEFAULT_PORTS[url.protocol] ?? 0) : Number(url.port)
}

function parseUrl(url: string | URL): URL | undefined {
  if (url instanceof URL) return url
  try {
    return new URL(url)
  } catch {
    return undefined
  }
}

// The same parser as requests, so `::1`, `[::1]` and `ＡＰＩ.example.com` canonicalize like a URL host.
function canonicalHost(hostname: string): string | undefined {
  const host = parseIpAddress(hostname)?.kind() === 'ipv6' ? `[${hostname}]` : hostname
  try {
    const url = new URL(`http://${host}/`)
    const isBareHost =
      url.hostname !== '' &&
      url.port === '' &&
      url.username === '' &&
      url.pathname === '/' &&
      url.search === ''
    return isBareHost && url.hash === '' ? url.hostname : undefined
  } catch {
    return undefined
  }
}

/** The policy fields of a SandboxConfig, as `new NetworkPolicy(...)` takes them. */
export type NetworkPolicyOptions = Pick<
  SandboxConfig,
  'networkEnabled' | 'allowedDomains' | 'blockedPorts' | 'network'
>

function resolvePolicyOptions(options: NetworkPolicyOptions): ResolvedNetworkConfig {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new ConfigError(
      'NetworkPolicy options',
      'an object such as { allowedDomains: [...] }',
      options,
    )
  const { networkEnabled, allowedDomains, blockedPorts, network } = options as Record<
    string,
    unknown
  >
  const enabled =
    networkEnabled ??
    (Array.isArray(allowedDomains) && allowedDomains.length > 0 ? true : undefined)
  return resolveConfig({
    networkEnabled: enabled,
    allowedDomains,
    blockedPorts,
    network,
  } as SandboxConfig).network
}

function isResolved(
  config: ResolvedNetworkConfig | SandboxConfig | NetworkPolicyOptions,
): config is ResolvedNetworkConfig {
  if (typeof config !== 'object' || config === null) return false
  const candidate = config as Partial<ResolvedNetworkConfig>
  return typeof candidate.enabled === 'boolean' && Array.isArray(candidate.allowPrivateCidrs)
}
