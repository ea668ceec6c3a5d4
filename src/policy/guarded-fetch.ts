/**
 * The host side of a guest's `fetch` in the in-process tiers: one parse, one policy decision, one DNS
 * resolution checked address by address, a connection to exactly the checked address, redirects followed by
 * hand and re-checked hop by hop, and every byte, request and millisecond counted against the run's limits.
 */
import type { IncomingMessage } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  PolicyDeniedError,
  ResourceExceededError,
  ValidationError,
  isSandboxError,
} from '../errors.js'
import { BandwidthThrottle } from './bandwidth-throttle.js'
import type { DenyReason } from './decision.js'
import {
  REQUEST_ERROR_MESSAGES,
  normalizeFetchInit,
  type GuardedFetchInit,
  type NormalizedRequest,
} from './fetch-request.js'
import { readBody, sendExchange } from './http-exchange.js'
import type { NetworkMeter } from './network-meter.js'
import type { NetworkPolicy } from './network-policy.js'
import { openRequestScope, type RequestScopeOptions } from './request-scope.js'
import { resolvePinned, type PinnedAddress } from './resolve-pinned.js'

export { toGuestNetworkError, type GuestNetworkError } from './guest-network-error.js'
export type { GuardedFetchInit } from './fetch-request.js'
export type { DeadlineLike } from './request-scope.js'

/** Redirects followed per request; one more is refused with `too_many_redirects`. */
export const MAX_REDIRECTS = 5

/** Per-call options of guardedFetch: the run's cancellation signal and deadline. */
export type GuardedFetchOptions = RequestScopeOptions

/** A JSON-safe response; the tier wraps it in a Response-like object inside the guest. */
export interface GuardedResponse {
  status: number
  statusText: string
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>
  /** The body decoded as UTF-8 (empty for HEAD, 204, 304). */
  body: string
  /** The final URL, after redirects. */
  url: string
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
// Headers that describe a body; dropped with it when a redirect turns the request into a GET (Fetch spec).
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location']
// Credentials the guest attached for one origin never travel to another (undici CVE-2023-45143 and kin).
const CREDENTIAL_HEADERS = ['authorization', 'cookie']
// One bucket per run: concurrent requests of a run share its bandwidth.
const throttles = new WeakMap<NetworkMeter, BandwidthThrottle>()

/**
 * Performs a guest's fetch under the policy. Bandwidth (`limits.networkBandwidth`) is enforced by throttling
 * (reading pauses, uploads wait), so an over-fast transfer slows down and the request timeout or the run's
 * deadline ends it if it is too slow; the response size is a hard cap.
 *
 * @throws PolicyDeniedError for every refusal (counted in `meter.deniedRequests`), with one of the reasons
 *   of DenyReason: a refused redirect hop is `redirect_blocked`, the 6th redirect `too_many_redirects`.
 * @throws ResourceExceededError `request_size` (maxRequestBytes, checked before anything is sent),
 *   `response_size` (maxResponseBytes), `request_time` (requestTimeoutMs) or `wall` (the run's deadline).
 * @throws ValidationError for an invalid method, header, body or redirect mode.
 * @throws the signal's SandboxError reason, or an `ERR_CANCELLED` SandboxError, when the run is cancelled.
 * @throws connection errors (refused, reset, TLS) as they come; pass every error through
 *   `toGuestNetworkError` before it reaches the guest.
 * @example
 * const meter = createNetworkMeter()
 * const res = await guardedFetch(policy, meter, 'https://api.example.com/v1', { method: 'GET' }, { signal })
 */
export async function guardedFetch(
  policy: NetworkPolicy,
  meter: NetworkMeter,
  url: string | URL,
  init?: GuardedFetchInit,
  options: GuardedFetchOptions = {},
): Promise<GuardedResponse> {
  let request = normalizeFetchInit(init)
  let target = parseTarget(policy, meter, url)
  const sending = request.body === undefined ? 0 : Buffer.byteLength(request.body)
  if (sending > policy.config.maxRequestBytes)
    throw new ResourceExceededError('request_size', sending, policy.config.maxRequestBytes)
  const scope = openRequestScope(policy.config.requestTimeoutMs, options)
  try {
    for (let redirects = 0; ;) {
      const pinned = await admitRequest(policy, meter, target, redirects > 0, scope.signal)
      const response = await send(policy, meter, target, pinned, request, scope.signal)
      const status = response.statusCode ?? 0
      const location = response.headers.location
      if (
        !REDIRECT_STATUSES.has(status) ||
        location === undefined ||
        request.redirect === 'manual'
      ) {
        const body = await readBody(response, {
          maxBytes: policy.config.maxResponseBytes,
          meter,
          throttle: throttleFor(policy, meter),
          signal: scope.signal,
        })
        return scrubResponse(policy, toGuardedResponse(target, response, body))
      }
      response.destroy()
      if (request.redirect === 'error') throw new ValidationError(REQUEST_ERROR_MESSAGES.redirected)
      redirects += 1
      if (redirects > MAX_REDIRECTS) refuse(meter, target.hostname, 'too_many_redirects')
      // A Location that carries a value carries its placeholder instead: the next hop is substituted (or
      // not) by its own host, like any request.
      const next = parseLocation(policy.secrets.scrub(location), target)
      // An https → http hop would let a network attacker read and rewrite what https protected.
      if (next === undefined || (target.protocol === 'https:' && next.protocol !== 'https:'))
        refuse(meter, target.hostname, 'redirect_blocked')
      request = redirectRequest(request, status, target, next)
      target = next
    }
  } catch (error) {
    throw scope.signal.aborted && !isSandboxError(error) ? scope.signal.reason : error
  } finally {
    scope.close()
  }
}

function parseTarget(policy: NetworkPolicy, meter: NetworkMeter, url: string | URL): URL {
  if (!policy.enabled) refuse(meter, '', 'network_disabled')
  try {
    // A copy: the URL that was checked is the URL that is fetched, whatever the caller does with theirs.
    return new URL(url)
  } catch {
    return refuse(meter, '', 'invalid_url')
  }
}

function parseLocation(location: string, base: URL): URL | undefined {
  try {
    return new URL(location, base)
  } catch {
    return undefined
  }
}

/**
 * Admits one request (or redirect hop) to `target`: the URL decision, the run's request budget, then DNS
 * through the policy. Shared with the container egress proxy, so both count and refuse alike.
 * @returns the checked addresses to connect to.
 * @throws PolicyDeniedError, counted in `meter.deniedRequests` (a refused hop as `redirect_blocked`).
 */
export async function admitRequest(
  policy: NetworkPolicy,
  meter: NetworkMeter,
  target: URL,
  isRedirect: boolean,
  signal: AbortSignal,
): Promise<PinnedAddress[]> {
  const decision = policy.evaluateUrl(target)
  if (!decision.allow)
    refuse(meter, target.hostname, isRedirect ? 'redirect_blocked' : decision.reason)
  if (meter.requests >= policy.config.maxRequests) refuse(meter, target.hostname, 'max_requests')
  meter.requests += 1
  try {
    return await resolvePinned(policy, target.hostname, { signal })
  } catch (error) {
    if (!(error instanceof PolicyDeniedError)) throw error
    meter.deniedRequests += 1
    if (!isRedirect) throw error
    throw Object.assign(new PolicyDeniedError(error.host, 'redirect_blocked'), { cause: error })
  }
}

async function send(
  policy: NetworkPolicy,
  meter: NetworkMeter,
  url: URL,
  pinned: PinnedAddress[],
  request: NormalizedRequest,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const { method } = request
  let { headers, body } = request
  let path: string | undefined
  // Placeholders become values here, per hop, after the policy admitted this hop's host: a redirect to
  // another host gets the guest's placeholders, never the values an earlier hop was sent.
  if (!policy.secrets.isEmpty) {
    const substituted = policy.secrets.substitute(url, headers, body)
    meter.secretsBlocked += substituted.blocked
    ;({ headers, body, path } = substituted)
  }
  if (body !== undefined) {
    const bytes = Buffer.byteLength(body)
    if (bytes > policy.config.maxRequestBytes)
      throw new ResourceExceededError('request_size', bytes, policy.config.maxRequestBytes)
    const waitMs = throttleFor(policy, meter).consume(bytes)
    if (waitMs > 0) await sleep(waitMs, undefined, { signal })
    meter.netBytesOut += bytes
  }
  const ca = policy.config.caCertificates
  return sendExchange({ url, pinned, method, headers, body, signal, path, ca })
}

// The guest never sees a secret's value: every part of the response that could carry it is scrubbed.
function scrubResponse(policy: NetworkPolicy, response: GuardedResponse): GuardedResponse {
  const secrets = policy.secrets
  if (secrets.isEmpty) return response
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(response.headers)) headers[name] = secrets.scrub(value)
  return {
    status: response.status,
    statusText: secrets.scrub(response.statusText),
    headers,
    body: secrets.scrub(response.body),
    url: secrets.scrub(response.url),
  }
}

function redirectRequest(
  request: NormalizedRequest,
  status: number,
  from: URL,
  to: URL,
): NormalizedRequest {
  const headers = { ...request.headers }
  const toGet =
    (status === 303 && request.method !== 'HEAD') ||
    ((status === 301 || status === 302) && request.method === 'POST')
  if (toGet) for (const name of BODY_HEADERS) delete headers[name]
  if (from.origin !== to.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name]
  return toGet ? { ...request, method: 'GET', body: undefined, headers } : { ...request, headers }
}

function toGuardedResponse(url: URL, response: IncomingMessage, body: Buffer): GuardedResponse {
  const headers: Record<string, string> = {}
  const raw = response.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    const value = raw[i + 1] as string
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value
  }
  return {
    status: response.statusCode ?? 0,
    statusText: response.statusMessage ?? '',
    headers,
    body: body.toString('utf8'),
    url: url.href,
  }
}

function throttleFor(policy: NetworkPolicy, meter: NetworkMeter): BandwidthThrottle {
  let throttle = throttles.get(meter)
  if (throttle === undefined) {
    throttle = new BandwidthThrottle(policy.config.bandwidthBytesPerSec)
    throttles.set(meter, throttle)
  }
  return throttle
}

function refuse(meter: NetworkMeter, host: string, reason: DenyReason): never {
  meter.deniedRequests += 1
  throw new PolicyDeniedError(host, reason)
}
