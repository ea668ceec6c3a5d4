/**
 * Loopback servers for the secrets tests: plain HTTP and HTTPS (the fixture certificate for
 * api.allowed.test) on 127.0.0.1. Every request is recorded whole (Host, headers, path, body) by the name
 * it was sent to, so a test can say which host saw which bytes. `/echo` answers the request back as JSON
 * (the response echoes the value), `/redirect?to=<url>` answers 302, anything else `ok`.
 */
import { readFileSync } from 'node:fs'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import { listen } from '../policy/egress-servers.js'

const fixtures = new URL('../../unit/policy/fixtures/', import.meta.url)

/** The CA of the HTTPS server (its certificate is self-signed), for `network.caCertificates`. */
export const SERVER_CA = readFileSync(new URL('self-signed.crt', fixtures), 'utf8')

/** One request as a server received it. */
export interface Seen {
  /** The Host header's name, without the port. */
  host: string
  secure: boolean
  /** Request line, headers and body as text: what a test greps for a value. */
  raw: string
}

export interface SecretServers {
  ports: { http: number; https: number }
  seen: Seen[]
  /** Everything the servers received from hosts other than `host`, as one text. */
  receivedExceptBy(host: string): string
  close(): Promise<void>
}

export async function startSecretServers(): Promise<SecretServers> {
  const seen: Seen[] = []
  const sockets = new Set<Socket>()
  const handler = (secure: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '')
      const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`)
      const raw = `${req.method ?? ''} ${req.url ?? ''}\n${headers.join('\n')}\n\n${body}`
      seen.push({ host, secure, raw })
      const url = new URL(req.url ?? '/', 'http://x')
      if (url.pathname === '/redirect') {
        res.writeHead(302, { location: url.searchParams.get('to') ?? '/' })
        return void res.end()
      }
      if (url.pathname === '/echo') {
        const echo = JSON.stringify({ headers: req.headers, url: req.url, body })
        res.writeHead(200, {
          'content-type': 'application/json',
          'x-echo': String(req.headers['x-api-key']),
        })
        return void res.end(echo)
      }
      res.end('ok')
    })
  }
  const credentials = {
    key: readFileSync(new URL('self-signed.key', fixtures)),
    cert: readFileSync(new URL('self-signed.crt', fixtures)),
  }
  const plain = http.createServer(handler(false))
  const secure = https.createServer(credentials, handler(true))
  secure.on('tlsClientError', () => undefined)
  for (const server of [plain, secure])
    server.on('connection', (socket: Socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
  const ports = { http: await listen(plain), https: await listen(secure) }
  return {
    ports,
    seen,
    receivedExceptBy: (host) =>
      seen
        .filter((s) => s.host !== host)
        .map((s) => s.raw)
        .join('\n'),
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await Promise.all(
        [plain, secure].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      )
    },
  }
}

/** The secret value every test uses; a test greps every output for it. */
export const SECRET_VALUE = 'sk-test-Zq81bW4mXv0pLr7T'

/** The secret's own host; others resolve to the same servers. */
export const SECRET_HOST = 'api.allowed.test'

/** A sandbox config: the network to the local servers, and API_KEY for SECRET_HOST's headers. */
export function secretConfig(
  ports: SecretServers['ports'],
  extra: { in?: Array<'header' | 'query' | 'body'> } = {},
) {
  return {
    networkEnabled: true,
    allowedDomains: [SECRET_HOST, 'evil.test', `${SECRET_HOST}.evil.test`],
    network: {
      allowedPorts: [ports.http, ports.https],
      allowPrivateCidrs: ['127.0.0.0/8'],
      resolve: (host: string) => (host.endsWith('.test') ? ['127.0.0.1'] : []),
      caCertificates: [SERVER_CA],
    },
    secrets: { API_KEY: { value: SECRET_VALUE, hosts: [SECRET_HOST], ...extra } },
  }
}
