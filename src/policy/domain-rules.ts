/**
 * `allowedDomains` entries: `api.example.com`, `*.example.com` (subdomains only, never the apex), an IP literal
 * (`93.184.216.34`, `[2606:2800::1]`), each with an optional `:port`. Entries and request hosts go through the
 * same WHATWG URL parser, so case, IDNA, fullwidth and percent-encoded forms compare as the request will connect.
 */
import { isIP } from 'node:net'
import { ConfigError } from '../errors.js'

/** One parsed `allowedDomains` entry. */
export interface DomainRule {
  /** Canonical host: lowercase ASCII name, dotted-quad IPv4, or `[v6]`; without the `*.` of a wildcard. */
  host: string
  /** `*.host`: matches names ending in `.host`, not `host` itself. */
  wildcard: boolean
  /** Only this port when set; otherwise the policy's `allowedPorts`. */
  port: number | undefined
}

// Names that mean "this machine" or a cloud metadata service whatever DNS says (RFC 6761, cloud docs).
const RESERVED_NAMES = new Set([
  'localhost',
  'localhost.localdomain',
  'ip6-localhost',
  'ip6-loopback',
  'metadata.google.internal',
  'metadata.goog',
])

/** True for an IP-literal host as the URL parser prints it (`127.0.0.1`, `[::1]`). */
export function isIpLiteralHost(host: string): boolean {
  return isIP(stripBrackets(host)) !== 0
}

/** `[::1]` → `::1`; other hosts unchanged. */
export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

/** True for names that always mean loopback or metadata, refused even when DNS would say otherwise. */
export function isReservedName(host: string): boolean {
  const name = host.endsWith('.') ? host.slice(0, -1) : host
  return RESERVED_NAMES.has(name) || name.endsWith('.localhost')
}

/**
 * Parses one `allowedDomains` entry (or one of a list of the same shape, named by `list`).
 * @throws ConfigError naming `allowedDomains[index]` when the entry is not a host with an optional port.
 */
export function parseDomainRule(entry: string, index: number, list = 'allowedDomains'): DomainRule {
  const option = `${list}[${index}]`
  const expectation = "a host name, '*.' + a domain, or an IP literal, with an optional ':port'"
  const wildcard = entry.startsWith('*.')
  const rest = wildcard ? entry.slice(2) : entry
  if (rest.length === 0 || /[*/\\@?#\s]/.test(rest))
    throw new ConfigError(option, expectation, entry)
  let host: string
  let port: number | undefined
  try {
    const asHttp = new URL(`http://${rest}`)
    // The parser drops a port equal to the scheme's default; parsing as https too recovers an explicit :80.
    const asHttps = new URL(`https://${rest}`)
    host = asHttp.hostname.endsWith('.') ? asHttp.hostname.slice(0, -1) : asHttp.hostname
    const portText = asHttp.port || asHttps.port
    port = portText === '' ? undefined : Number(portText)
  } catch {
    throw new ConfigError(option, expectation, entry)
  }
  if (host.length === 0 || port === 0) throw new ConfigError(option, expectation, entry)
  if (wildcard && (isIpLiteralHost(host) || !host.includes('.')))
    throw new ConfigError(option, "'*.' followed by a domain with at least two labels", entry)
  return { host, wildcard, port }
}

/** The rules whose host matches `host` (canonical URL hostname); IP literals only match literal rules. */
export function matchingRules(rules: readonly DomainRule[], host: string): DomainRule[] {
  const isIp = isIpLiteralHost(host)
  return rules.filter((rule) => {
    if (!rule.wildcard) return rule.host === host
    // Dot-bounded suffix: `a.example.com` matches `*.example.com`, `evilexample.com` and the apex do not.
    return !isIp && host.endsWith(`.${rule.host}`)
  })
}
