/**
 * Who may talk to the HTTP server: on loopback, anyone on this machine whose Host header names the
 * loopback address (a web page's DNS-rebinding request names its own host and is refused); on any other
 * address, only a caller with the bearer token, which is required there.
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import { ConfigError } from '../index.js'

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost'])

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || (isIP(host) === 4 && host.startsWith('127.'))
}

/** @throws ConfigError when a non-loopback address has no token. */
export function checkListenOptions(host: string, token: string | undefined): void {
  if (!isLoopback(host) && (token === undefined || token.length < 16))
    throw new ConfigError(
      'token',
      `a bearer token of at least 16 characters to listen on ${host} (not loopback)`,
      token === undefined ? undefined : '(too short)',
    )
}

/** Why a request is refused, or undefined when it may go on. */
export function refuseReason(
  request: IncomingMessage,
  listen: { host: string; port: number; token: string | undefined },
): { status: number; message: string } | undefined {
  if (listen.token !== undefined) {
    const header = request.headers.authorization ?? ''
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '')
    const expected = Buffer.from(listen.token)
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { status: 401, message: 'a valid bearer token is required' }
  }
  if (isLoopback(listen.host)) {
    const hostHeader = request.headers.host ?? ''
    const name = hostHeader.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1')
    if (!LOOPBACK_HOSTS.has(name) && !(isIP(name) === 4 && name.startsWith('127.')))
      return { status: 403, message: `Host ${hostHeader} is not this loopback server` }
  }
  return undefined
}
