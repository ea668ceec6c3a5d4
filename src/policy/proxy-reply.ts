/**
 * How the egress proxy tells a guest that it refused or could not complete a request: a status, a fixed
 * guest-safe reason phrase, a marker header and a small JSON body, all built from toGuestNetworkError, so no
 * host error text (addresses, paths, resolver messages) ever reaches the container.
 */
import type { ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { toGuestNetworkError, type GuestNetworkError } from './guest-network-error.js'

/** Set on every response the proxy itself produced for a refusal: the deny reason. */
export const DENIED_HEADER = 'x-sandtier-denied'
/** Set on every response the proxy itself produced for a failure that is not a refusal: its reason. */
export const ERROR_HEADER = 'x-sandtier-error'

/** What the proxy answers for `error` (any error from admission, DNS, the upstream or a limit). */
export interface ProxyReply {
  status: number
  /** Guest-safe, e.g. `Network request denied: domain_not_allowed`. */
  statusMessage: string
  headers: Record<string, string>
  body: string
}

function statusFor(error: GuestNetworkError): number {
  switch (error.code) {
    case 'ERR_POLICY_DENIED':
      return 403
    case 'ERR_VALIDATION':
      return 400
    case 'ERR_RESOURCE_EXCEEDED':
      if (error.reason === 'request_size') return 413
      return error.reason === 'response_size' ? 502 : 504
    case 'ERR_CANCELLED':
      return 503
    default:
      return 502
  }
}

/**
 * The reply for `error`.
 * @example proxyReply(new PolicyDeniedError('evil.test', 'domain_not_allowed')).status // 403
 */
export function proxyReply(error: unknown): ProxyReply {
  const guest = toGuestNetworkError(error)
  const marker = guest.code === 'ERR_POLICY_DENIED' ? DENIED_HEADER : ERROR_HEADER
  const body = JSON.stringify({ error: guest.name, reason: guest.reason, message: guest.message })
  return {
    status: statusFor(guest),
    statusMessage: guest.message,
    headers: {
      [marker]: guest.reason,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': 'no-store',
      connection: 'close',
    },
    body,
  }
}

/** Answers an HTTP request with the reply for `error`, or drops the connection if a response has begun. */
export function replyWithError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    // A response in progress cannot change its status: cutting it is the only honest signal.
    res.destroy()
    return
  }
  const reply = proxyReply(error)
  res.shouldKeepAlive = false
  res.writeHead(reply.status, reply.statusMessage, reply.headers)
  res.end(reply.body)
}

/** Answers a CONNECT on its raw socket with the reply for `error`, then closes it. */
export function replyOnSocket(socket: Duplex, error: unknown): void {
  const reply = proxyReply(error)
  const head = Object.entries(reply.headers).map(([name, value]) => `${name}: ${value}\r\n`)
  socket.end(`HTTP/1.1 ${reply.status} ${reply.statusMessage}\r\n${head.join('')}\r\n${reply.body}`)
}
