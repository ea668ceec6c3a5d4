/**
 * The egress proxy's plain-HTTP path: one absolute-form request (`GET http://host:port/path`) from a
 * container, admitted like a guardedFetch request (URL decision, request budget, DNS checked address by
 * address), sent to exactly the checked address, and streamed back counted, paced and capped. The proxy
 * does not follow redirects: a 3xx goes back to the client, whose next request is admitted again.
 */
import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import { PolicyDeniedError, ResourceExceededError, ValidationError } from '../errors.js'
import { stripBrackets } from './domain-rules.js'
import { openProxyScope, type EgressRun } from './egress-run.js'
import { FETCH_METHODS, REQUEST_ERROR_MESSAGES } from './fetch-request.js'
import { admitRequest } from './guarded-fetch.js'
import { pinnedLookup } from './http-exchange.js'
import { meteredPipe } from './metered-pipe.js'
import { effectivePort } from './network-policy.js'
import { DENIED_HEADER, ERROR_HEADER, replyWithError } from './proxy-reply.js'
import type { PinnedAddress } from './resolve-pinned.js'

// Hop-by-hop headers (RFC 9110 7.6.1) and the proxy's own: never forwarded in either direction.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
])

/**
 * Handles one proxied request end to end; never rejects (failures become replies or a dropped connection).
 */
export async function forwardHttp(
  run: EgressRun,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let scope: ReturnType<typeof openProxyScope> | undefined
  try {
    scope = openProxyScope(run)
    const target = parseTarget(run, req)
    checkDeclaredSize(run, req)
    const pinned = await admitRequest(run.policy, run.meter, target, false, scope.signal)
    const upstream = await send(run, req, target, pinned, scope.signal)
    await relayResponse(run, upstream, res, scope.signal)
  } catch (error) {
    if (!res.headersSent) {
      req.resume()
      // Most clients send the whole body before they read: a reply (and close) that comes first reaches
      // them as a broken pipe, not as the 413. Let the body drain into the void, for a bounded time.
      if (!req.complete) await drained(req, BODY_DRAIN_MS)
    }
    replyWithError(res, scope?.signal.aborted === true ? scope.signal.reason : error)
  } finally {
    scope?.close()
  }
}

const BODY_DRAIN_MS = 2000

function drained(req: IncomingMessage, maxMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, maxMs)
    const done = (): void => {
      clearTimeout(timer)
      resolve()
    }
    req.once('end', done)
    req.once('close', done)
  })
}

function parseTarget(run: EgressRun, req: IncomingMessage): URL {
  const method = req.method ?? ''
  if (!(FETCH_METHODS as readonly string[]).includes(method))
    throw new ValidationError(REQUEST_ERROR_MESSAGES.method)
  let target: URL | undefined
  try {
    // Absolute form only: an origin-form request ("GET /x") names no host, so there is nothing to allow.
    target = new URL(req.url ?? '')
  } catch {
    target = undefined
  }
  if (target === undefined) {
    run.meter.deniedRequests += 1
    throw new PolicyDeniedError('', 'invalid_url')
  }
  return target
}

// A body announced as too large is refused before anything is resolved or sent; a chunked one is counted
// while it streams (send()).
function checkDeclaredSize(run: EgressRun, req: IncomingMessage): void {
  const declared = Number(req.headers['content-length'])
  const maxBytes = run.policy.config.maxRequestBytes
  if (Number.isFinite(declared) && declared > maxBytes)
    throw new ResourceExceededError('request_size', declared, maxBytes)
}

function forwardedHeaders(req: IncomingMessage, target: URL): Record<string, string | string[]> {
  const named = new Set(
    String(req.headers.connection ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase()),
  )
  const headers: Record<string, string | string[]> = Object.create(null) as Record<string, string[]>
  const raw = req.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    if (HOP_BY_HOP.has(name) || named.has(name) || name.startsWith('proxy-')) continue
    if (name === 'host' || name === 'accept-encoding') continue
    const value = raw[i + 1] as string
    const previous = headers[name]
    headers[name] = previous === undefined ? value : [previous, value].flat()
  }
  // Host always comes from the URL that was checked (no fronting through a Host header), and no
  // compression, so the size cap counts the bytes the guest gets (no decompression bombs).
  headers.host = target.host
  headers['accept-encoding'] = 'identity'
  return headers
}

function send(
  run: EgressRun,
  req: IncomingMessage,
  target: URL,
  pinned: readonly PinnedAddress[],
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const hostname = stripBrackets(target.hostname)
  const isHttps = target.protocol === 'https:'
  const options: https.RequestOptions = {
    host: isIP(hostname) === 0 ? hostname : (pinned[0]?.address ?? hostname),
    port: effectivePort(target),
    path: `${target.pathname}${target.search}`,
    method: req.method ?? 'GET',
    headers: forwardedHeaders(req, target),
    agent: false,
    lookup: pinnedLookup(pinned),
    signal,
  }
  if (isHttps) {
    // Always verify, whatever NODE_TLS_REJECT_UNAUTHORIZED says in the host's environment.
    options.rejectUnauthorized = true
    if (isIP(hostname) === 0) options.servername = hostname
  }
  return new Promise<IncomingMessage>((resolve, reject) => {
    const upstream: ClientRequest = (isHttps ? https : http).request(options, resolve)
    upstream.on('error', reject)
    const maxBytes = run.policy.config.maxRequestBytes
    meteredPipe(req, upstream, {
      throttle: run.throttle,
      maxBytes,
      onBytes: (n) => (run.meter.netBytesOut += n),
      onLimit: (bytes) => {
        upstream.destroy()
        reject(new ResourceExceededError('request_size', bytes, maxBytes))
      },
    })
  })
}

function relayResponse(
  run: EgressRun,
  upstream: IncomingMessage,
  res: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const maxBytes = run.policy.config.maxResponseBytes
  const declared = Number(upstream.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    upstream.destroy()
    throw new ResourceExceededError('response_size', declared, maxBytes)
  }
  res.writeHead(upstream.statusCode ?? 502, upstream.statusMessage ?? '', responseHeaders(upstream))
  return new Promise<void>((resolve, reject) => {
    const fail = (error: unknown): void => {
      pipe.stop()
      upstream.destroy()
      res.destroy()
      reject(error instanceof Error ? error : new Error(String(error)))
    }
    const pipe = meteredPipe(upstream, res, {
      throttle: run.throttle,
      maxBytes,
      onBytes: (n) => (run.meter.netBytesIn += n),
      onLimit: (bytes) => fail(new ResourceExceededError('response_size', bytes, maxBytes)),
    })
    const onAbort = (): void => fail(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    upstream.on('error', fail)
    upstream.on('close', () => {
      if (!upstream.complete) fail(new Error('upstream closed early'))
    })
    res.on('close', () => {
      signal.removeEventListener('abort', onAbort)
      pipe.stop()
      upstream.destroy()
      resolve()
    })
  })
}

function responseHeaders(upstream: IncomingMessage): string[] {
  const flat: string[] = []
  const raw = upstream.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    // The marker headers are the proxy's word only: an upstream cannot forge a refusal.
    if (HOP_BY_HOP.has(name) || name === DENIED_HEADER || name === ERROR_HEADER) continue
    flat.push(raw[i] as string, raw[i + 1] as string)
  }
  return flat
}
