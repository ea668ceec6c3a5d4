/**
 * One HTTP exchange to an already checked address: the socket goes to the pinned address (a custom `lookup`
 * that never asks DNS), while Host, TLS SNI and certificate checks use the URL's name.
 */
import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import tls from 'node:tls'
import { ResourceExceededError } from '../errors.js'
import type { BandwidthThrottle } from './bandwidth-throttle.js'
import { stripBrackets } from './domain-rules.js'
import type { FetchMethod } from './fetch-request.js'
import type { NetworkMeter } from './network-meter.js'
import { effectivePort } from './network-policy.js'
import type { PinnedAddress } from './resolve-pinned.js'

/** One hop of a guarded request. */
export interface Exchange {
  url: URL
  /** Checked addresses of `url`'s host; the connection goes only to these. Non-empty. */
  pinned: readonly PinnedAddress[]
  method: FetchMethod
  headers: Record<string, string>
  body: string | undefined
  signal: AbortSignal
  /** Path and query to send, when they differ from `url`'s (a secret's value in the query). */
  path?: string | undefined
  /** PEM certificates trusted besides Node's roots (`network.caCertificates`). */
  ca?: readonly string[] | undefined
}

const trustContexts = new WeakMap<readonly string[], tls.SecureContext>()

/**
 * The TLS context of a connection that trusts Node's roots plus `extra`, or undefined (Node's default)
 * when there is none. Made once per list: parsing ~150 roots costs tens of ms per connection otherwise.
 */
export function trustedContext(extra: readonly string[] | undefined): tls.SecureContext | undefined {
  if (extra === undefined || extra.length === 0) return undefined
  let context = trustContexts.get(extra)
  if (context === undefined) {
    // Giving `ca` replaces the roots, so they are listed again.
    context = tls.createSecureContext({ ca: [...tls.rootCertificates, ...extra] })
    trustContexts.set(extra, context)
  }
  return context
}

/** Sends the request; resolves with the response head (body unread). Rejects on connection errors. */
export function sendExchange(exchange: Exchange): Promise<IncomingMessage> {
  const { url, pinned, method, headers, body, signal, path, ca } = exchange
  const first = pinned[0]
  if (first === undefined) return Promise.reject(new Error('no pinned address'))
  const hostname = stripBrackets(url.hostname)
  const isName = isIP(hostname) === 0
  const lookup = pinnedLookup(pinned)
  const isHttps = url.protocol === 'https:'
  const options: https.RequestOptions & { secureContext?: tls.SecureContext } = {
    host: isName ? hostname : first.address,
    port: effectivePort(url),
    path: path ?? `${url.pathname}${url.search}`,
    method,
    headers: {
      ...headers,
      host: url.host,
      // No compression: the size cap then counts the bytes the guest gets (no decompression bombs).
      'accept-encoding': 'identity',
      ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }),
    },
    agent: false,
    lookup,
    signal,
  }
  if (isHttps) {
    // Always verify, whatever NODE_TLS_REJECT_UNAUTHORIZED says in the host's environment.
    options.rejectUnauthorized = true
    if (isName) options.servername = hostname
    const trusted = trustedContext(ca)
    if (trusted !== undefined) options.secureContext = trusted
  }
  return new Promise<IncomingMessage>((resolve, reject) => {
    const request = (isHttps ? https : http).request(options, resolve)
    request.on('error', reject)
    request.end(body)
  })
}

/**
 * A `lookup` for net/http/tls that answers only with the checked addresses, whatever name it is asked for,
 * so a socket can never reach an address the policy did not check. `pinned` must be non-empty.
 */
export function pinnedLookup(pinned: readonly PinnedAddress[]): LookupFunction {
  const first = pinned[0]
  if (first === undefined) throw new Error('no pinned address')
  // `all` is what net's happy-eyeballs path asks for.
  return ((_name: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all === true)
      callback(
        null,
        pinned.map((p) => ({ address: p.address, family: p.family })),
      )
    else callback(null, first.address, first.family)
  }) as LookupFunction
}

/** Limits for reading a response body. */
export interface BodyLimits {
  maxBytes: number
  meter: NetworkMeter
  throttle: BandwidthThrottle
  signal: AbortSignal
}

/**
 * Reads the body while counting: over `maxBytes` destroys the socket and rejects with
 * `ResourceExceededError('response_size')` (never a silent truncation); the throttle pauses reading.
 */
export function readBody(response: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const { maxBytes, meter, throttle, signal } = limits
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    let settled = false
    let resumeTimer: NodeJS.Timeout | undefined
    let throttledUntil = 0
    const finish = (error: unknown, value?: Buffer): void => {
      if (settled) return
      settled = true
      clearTimeout(resumeTimer)
      signal.removeEventListener('abort', onAbort)
      if (error === undefined && value !== undefined) return resolve(value)
      response.destroy()
      reject(error instanceof Error ? error : new Error(String(error)))
    }
    const onAbort = (): void => finish(signal.reason)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    const declared = Number(response.headers['content-length'])
    if (Number.isFinite(declared) && declared > maxBytes)
      return finish(new ResourceExceededError('response_size', declared, maxBytes))
    response.on('data', (chunk: Buffer) => {
      if (settled) return
      total += chunk.length
      meter.netBytesIn += chunk.length
      if (total > maxBytes)
        return finish(new ResourceExceededError('response_size', total, maxBytes))
      chunks.push(chunk)
      const waitMs = throttle.consume(chunk.length)
      if (waitMs > 0) {
        response.pause()
        // Not unref'd: a throttled transfer is work in progress, and the abort signal clears the timer.
        resumeTimer = setTimeout(() => response.resume(), waitMs)
        throttledUntil = performance.now() + waitMs
      }
    })
    response.on('end', () => {
      // The last chunk may arrive with 'end' already queued: its throttle wait still applies.
      const waitMs = throttledUntil - performance.now()
      if (waitMs <= 0) return finish(undefined, Buffer.concat(chunks))
      resumeTimer = setTimeout(() => finish(undefined, Buffer.concat(chunks)), waitMs)
    })
    response.on('error', (error) => finish(error))
    response.on('close', () => {
      if (!response.complete)
        finish(Object.assign(new Error('response closed early'), { code: 'ECONNRESET' }))
    })
  })
}
