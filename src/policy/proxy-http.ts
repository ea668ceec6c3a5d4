/**
 * The egress proxy's plain-HTTP path: one absolute-form request (`GET http://host:port/path`) from a
 * container, admitted like a guardedFetch request (URL decision, request budget, DNS checked address by
 * address), sent to exactly the checked address, and streamed back counted, paced and capped. The proxy
 * does not follow redirects: a 3xx goes back to the client, whose next request is admitted again.
 */
import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import { Readable } from 'node:stream'
import type tls from 'node:tls'
import { PolicyDeniedError, ResourceExceededError, ValidationError } from '../errors.js'
import { ByteReplacer, replaceBytes } from './byte-replacer.js'
import { stripBrackets } from './domain-rules.js'
import { openProxyScope, type EgressRun } from './egress-run.js'
import { FETCH_METHODS, REQUEST_ERROR_MESSAGES } from './fetch-request.js'
import { admitRequest } from './guarded-fetch.js'
import { pinnedLookup, trustedContext } from './http-exchange.js'
import { meteredPipe } from './metered-pipe.js'
import { effectivePort } from './network-policy.js'
import { HOP_BY_HOP, relayResponse } from './proxy-http-response.js'
import { replyWithError } from './proxy-reply.js'
import type { PinnedAddress } from './resolve-pinned.js'

/**
 * Handles one proxied request end to end; never rejects (failures become replies or a dropped connection).
 */
export async function forwardHttp(
  run: EgressRun,
  req: IncomingMessage,
  res: ServerResponse,
  origin?: URL,
): Promise<void> {
  let scope: ReturnType<typeof openProxyScope> | undefined
  try {
    scope = openProxyScope(run)
    const target = parseTarget(run, req, origin)
    checkDeclaredSize(run, req)
    const pinned = await admitRequest(run.policy, run.meter, target, false, scope.signal)
    const upstream = await send(run, req, target, pinned, scope.signal)
    await relayResponse(run, upstream, res, scope.signal, req.method === 'HEAD')
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

// `origin`: the request came inside a TLS tunnel the proxy terminated (proxy-tls.ts), in origin form
// ("GET /x"), and goes to the tunnel's host only.
function parseTarget(run: EgressRun, req: IncomingMessage, origin: URL | undefined): URL {
  const method = req.method ?? ''
  if (!(FETCH_METHODS as readonly string[]).includes(method))
    throw new ValidationError(REQUEST_ERROR_MESSAGES.method)
  let target: URL | undefined
  try {
    const path = req.url ?? ''
    if (origin !== undefined && !path.startsWith('/')) throw new TypeError('not origin form')
    // Absolute form only: an origin-form request ("GET /x") names no host, so there is nothing to allow.
    target = origin === undefined ? new URL(path) : new URL(`${origin.origin}${path}`)
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

async function send(
  run: EgressRun,
  req: IncomingMessage,
  target: URL,
  pinned: readonly PinnedAddress[],
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const hostname = stripBrackets(target.hostname)
  const isHttps = target.protocol === 'https:'
  const maxBytes = run.policy.config.maxRequestBytes
  const secrets = run.policy.secrets
  let headers = forwardedHeaders(req, target)
  let path = `${target.pathname}${target.search}`
  let body: Readable = req
  if (!secrets.isEmpty) {
    // Placeholders become values only now, toward this admitted host; each secret left as a placeholder
    // anywhere in the request (the body included, seen as it streams) counts once.
    const substituted = secrets.substitute(target, headers, undefined)
    ;({ headers, path } = substituted)
    const left = substituted.left
    run.meter.secretsBlocked += left.size
    const onLeft = (placeholder: string): void => {
      if (left.has(placeholder)) return
      left.add(placeholder)
      run.meter.secretsBlocked += 1
    }
    const replacements = secrets.bodyReplacements(target, onLeft)
    if (secrets.substitutesBody(target)) {
      // A value changes the body's length: read it whole (bounded), then send it with its new length.
      const whole = replaceBytes(await readRequestBody(req, maxBytes, signal), replacements)
      delete headers['transfer-encoding']
      headers['content-length'] = String(whole.length)
      body = Readable.from([whole])
    } else {
      body = req.pipe(new ByteReplacer(replacements))
    }
  }
  const options: https.RequestOptions & { secureContext?: tls.SecureContext } = {
    host: isIP(hostname) === 0 ? hostname : (pinned[0]?.address ?? hostname),
    port: effectivePort(target),
    path,
    method: req.method ?? 'GET',
    headers,
    agent: false,
    lookup: pinnedLookup(pinned),
    signal,
  }
  if (isHttps) {
    // Always verify, whatever NODE_TLS_REJECT_UNAUTHORIZED says in the host's environment.
    options.rejectUnauthorized = true
    if (isIP(hostname) === 0) options.servername = hostname
    const trusted = trustedContext(run.policy.config.caCertificates)
    if (trusted !== undefined) options.secureContext = trusted
  }
  return new Promise<IncomingMessage>((resolve, reject) => {
    const upstream: ClientRequest = (isHttps ? https : http).request(options, resolve)
    upstream.on('error', reject)
    meteredPipe(body, upstream, {
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

// A request body read whole, at most `maxBytes` (ResourceExceededError past it).
function readRequestBody(
  req: IncomingMessage,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    const onAbort = (): void => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    req.on('data', (chunk: Buffer) => {
      total += chunk.length
      if (total > maxBytes) {
        req.pause()
        reject(new ResourceExceededError('request_size', total, maxBytes))
      } else chunks.push(chunk)
    })
    req.once('end', () => {
      signal.removeEventListener('abort', onAbort)
      resolve(Buffer.concat(chunks))
    })
    req.once('error', reject)
  })
}
