/**
 * The egress proxy's plain-HTTP path, response side: the upstream's answer relayed to the container
 * counted, paced and capped (maxResponseBytes), hop-by-hop and proxy-marker headers dropped, and, when the
 * sandbox has secrets, every value scrubbed back to its placeholder in the status text, headers and body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { ResourceExceededError } from '../errors.js'
import { ByteReplacer } from './byte-replacer.js'
import type { EgressRun } from './egress-run.js'
import { meteredPipe } from './metered-pipe.js'
import { DENIED_HEADER, ERROR_HEADER } from './proxy-reply.js'

// Hop-by-hop headers (RFC 9110 7.6.1) and the proxy's own: never forwarded in either direction.
export const HOP_BY_HOP = new Set([
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

export function relayResponse(
  run: EgressRun,
  upstream: IncomingMessage,
  res: ServerResponse,
  signal: AbortSignal,
  isHead: boolean,
): Promise<void> {
  const maxBytes = run.policy.config.maxResponseBytes
  const declared = Number(upstream.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    upstream.destroy()
    throw new ResourceExceededError('response_size', declared, maxBytes)
  }
  const secrets = run.policy.secrets
  const status = upstream.statusCode ?? 502
  let headers = responseHeaders(upstream)
  let source: Readable = upstream
  if (!secrets.isEmpty) {
    // The guest never sees a value: status text, headers and body carry the placeholder instead. A
    // replacement changes the body's length, so a body goes out without one (chunked).
    const hasBody = !isHead && status !== 204 && status !== 304
    headers = scrubHeaders(headers, (text) => secrets.scrub(text), hasBody)
    source = upstream.pipe(new ByteReplacer(secrets.scrubReplacements()))
  }
  const message = secrets.isEmpty
    ? (upstream.statusMessage ?? '')
    : secrets.scrub(upstream.statusMessage ?? '')
  res.writeHead(status, message, headers)
  return new Promise<void>((resolve, reject) => {
    const fail = (error: unknown): void => {
      pipe.stop()
      upstream.destroy()
      res.destroy()
      reject(error instanceof Error ? error : new Error(String(error)))
    }
    const pipe = meteredPipe(source, res, {
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

function scrubHeaders(
  flat: readonly string[],
  scrub: (text: string) => string,
  hasBody: boolean,
): string[] {
  const out: string[] = []
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i] as string
    if (hasBody && name.toLowerCase() === 'content-length') continue
    out.push(name, scrub(flat[i + 1] as string))
  }
  return out
}
