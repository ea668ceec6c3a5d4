/**
 * Host-side name resolution for the network policy: resolve once, check every answer, hand back the checked
 * addresses so the connection goes to exactly those (no second lookup an attacker's DNS could answer
 * differently).
 */
import { lookup } from 'node:dns/promises'
import { PolicyDeniedError } from '../errors.js'
import { formatIpAddress, parseIpAddress } from './address-check.js'
import { stripBrackets } from './domain-rules.js'
import type { NetworkPolicy } from './network-policy.js'

/** One checked address, in the shape `net.connect`'s `lookup` callback expects. */
export interface PinnedAddress {
  address: string
  family: 4 | 6
}

/** Options for resolvePinned. */
export interface ResolvePinnedOptions {
  /** Abandons the lookup (the resolver itself may keep running; its answer is ignored). */
  signal?: AbortSignal
}

/**
 * Resolves `hostname` (a URL hostname; `[v6]` literals are accepted) with `network.resolve` when configured,
 * else `dns.lookup(host, { all: true })`, and checks every address against the policy. IP literals skip DNS.
 *
 * @returns the checked addresses, canonical, in resolver order; connect only to these.
 * @throws PolicyDeniedError `dns_failed` when resolution fails or returns nothing usable, or the first refusal
 *   (`private_address`, `domain_not_allowed`, …) when any address is refused: one bad answer refuses the name,
 *   so a resolver mixing public and private answers cannot steer the connection.
 * @throws the signal's reason when aborted.
 */
export async function resolvePinned(
  policy: NetworkPolicy,
  hostname: string,
  options: ResolvePinnedOptions = {},
): Promise<PinnedAddress[]> {
  const host = stripBrackets(hostname)
  const literal = parseIpAddress(host)
  const answers = literal !== undefined ? [host] : await resolveName(policy, host, options.signal)
  if (answers.length === 0) throw new PolicyDeniedError(hostname, 'dns_failed')
  const pinned: PinnedAddress[] = []
  for (const answer of answers) {
    const decision = policy.evaluateAddress(answer, hostname)
    if (!decision.allow) throw new PolicyDeniedError(hostname, decision.reason)
    const address = parseIpAddress(answer)
    if (address === undefined) throw new PolicyDeniedError(hostname, 'dns_failed')
    pinned.push({ address: formatIpAddress(address), family: address.kind() === 'ipv4' ? 4 : 6 })
  }
  return pinned
}

async function resolveName(
  policy: NetworkPolicy,
  host: string,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  signal?.throwIfAborted()
  const resolver = policy.config.resolve
  const pending = (async () =>
    resolver !== undefined
      ? await resolver(host)
      : (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address))()
  let answers: unknown
  try {
    answers = await abortable(pending, signal)
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason
    throw Object.assign(new PolicyDeniedError(host, 'dns_failed'), { cause: error })
  }
  if (!Array.isArray(answers) || answers.some((a) => typeof a !== 'string'))
    throw new PolicyDeniedError(host, 'dns_failed')
  return answers as string[]
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
