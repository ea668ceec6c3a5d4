/**
 * Address classification for the network policy: which resolved or literal IP addresses a guest may reach.
 * All parsing and CIDR math is done by ipaddr.js; nothing here reads digits by hand.
 */
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'

/** A parsed IPv4 or IPv6 address. */
export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6

/** A parsed CIDR: network address and prefix length. */
export type Cidr = [IpAddress, number]

// Forms whose low bits are an IPv4 address the packet really ends up at (or a translator acting for it).
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96')
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96')
const SIX_TO_FOUR = ipaddr.parseCIDR('2002::/16')
// IANA global unicast: everything else in IPv6 is reserved, local or unallocated.
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3')

/**
 * Parses a strict IP address string (what a resolver returns, or a URL host without brackets).
 * Returns undefined for anything `net.isIP` does not accept, for zone ids, and for unparsable text, so that
 * legacy forms such as `2130706433` are never taken as addresses here (the WHATWG URL parser canonicalizes
 * those before they reach us).
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  const family = isIP(text)
  if (family === 0 || text.includes('%')) return undefined
  try {
    // ipaddr.js reads `::a.b.c.d` as `::ffff:a.b.c.d`; the WHATWG parser gets dotted IPv6 tails right.
    const canonical =
      family === 6 && text.includes('.') ? new URL(`http://[${text}]/`).hostname.slice(1, -1) : text
    return ipaddr.parse(canonical)
  } catch {
    return undefined
  }
}

/** The canonical text of an address: dotted quad for IPv4, RFC 5952 for IPv6. */
export function formatIpAddress(address: IpAddress): string {
  return address.kind() === 'ipv4' ? address.toString() : (address as ipaddr.IPv6).toRFC5952String()
}

/** The IPv4 address embedded in an IPv4-mapped, IPv4-compatible, NAT64 (96) or 6to4 IPv6 address. */
export function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (address.isIPv4MappedAddress()) return address.toIPv4Address()
  const bytes = address.toByteArray()
  if (address.match(IPV4_COMPATIBLE) || address.match(NAT64_WELL_KNOWN))
    return ipaddr.fromByteArray(bytes.slice(12, 16)) as ipaddr.IPv4
  if (address.match(SIX_TO_FOUR)) return ipaddr.fromByteArray(bytes.slice(2, 6)) as ipaddr.IPv4
  return undefined
}

/**
 * The special range an address belongs to, or `'unicast'` when it is globally routable.
 * IPv6 forms that carry an IPv4 address are classified by that IPv4 address (`'ipv4Mapped:loopback'`), so every
 * encoding of 127.0.0.1 or 169.254.169.254 lands in the same refusal.
 */
export function classifyAddress(address: IpAddress): string {
  if (address.kind() === 'ipv4') return (address as ipaddr.IPv4).range()
  const v6 = address as ipaddr.IPv6
  const range = v6.range()
  // ::1 and :: sit inside ::/96 but are IPv6 loopback/unspecified in their own right.
  if (range === 'loopback' || range === 'unspecified') return range
  const embedded = embeddedIPv4(v6)
  if (embedded !== undefined) {
    const inner = embedded.range()
    return inner === 'unicast' ? 'unicast' : `${range}:${inner}`
  }
  if (range !== 'unicast') return range
  return v6.match(GLOBAL_UNICAST_V6) ? 'unicast' : 'reserved'
}

/**
 * Parses CIDRs (`127.0.0.0/8`, `fd00::/8`) or bare addresses (taken as /32 or /128).
 * @throws Error naming the first entry that is neither.
 */
export function parseCidrs(entries: readonly string[]): Cidr[] {
  return entries.map((entry) => {
    if (ipaddr.isValidCIDR(entry)) return ipaddr.parseCIDR(entry)
    const address = parseIpAddress(entry)
    if (address === undefined) throw new Error(`not a CIDR: ${entry}`)
    return [address, address.kind() === 'ipv4' ? 32 : 128]
  })
}

/** True when the address, or the IPv4 address it maps (`::ffff:a.b.c.d`), lies in one of the CIDRs. */
export function isInCidrs(address: IpAddress, cidrs: readonly Cidr[]): boolean {
  const candidates: IpAddress[] = [address]
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress())
    candidates.push((address as ipaddr.IPv6).toIPv4Address())
  return candidates.some((candidate) =>
    cidrs.some(
      ([network, bits]) => network.kind() === candidate.kind() && candidate.match(network, bits),
    ),
  )
}
