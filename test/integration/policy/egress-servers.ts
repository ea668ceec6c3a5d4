/**
 * Loopback servers for network-policy integration tests: plain HTTP and HTTPS (the fixture certificate for
 * api.allowed.test) on 127.0.0.1, ephemeral ports. Each answers "<METHOD> <path> <body>" (HTTPS: prefixed
 * with "TLS", no trailing space), `/big` is 200 000 bytes, `/redirect?to=<url>` answers 302. Every Host
 * header, path and TLS server name is kept.
 */
import { readFileSync } from 'node:fs'
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import tls from 'node:tls'

const fixtures = new URL('../../unit/policy/fixtures/', import.meta.url)

export interface TestServers {
  ports: { http: number; https: number }
  /** Host headers, both servers. */
  hostsSeen: string[]
  /** Request paths of the plain HTTP server. */
  pathsSeen: string[]
  /** The SNI of every TLS ClientHello the HTTPS server received, verified or not. */
  serverNames: string[]
  close(): Promise<void>
}

/** Starts `server` on 127.0.0.1:0 and returns its port. */
export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

export async function startTestServers(): Promise<TestServers> {
  const hostsSeen: string[] = []
  const pathsSeen: string[] = []
  const serverNames: string[] = []
  const sockets = new Set<Socket>()
  const handler = (secure: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    hostsSeen.push(req.headers.host ?? '')
    if (!secure) pathsSeen.push(req.url ?? '')
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' })
      return void res.end()
    }
    if (url.pathname === '/big') return void res.end('x'.repeat(200_000))
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      const line = `${req.method ?? ''} ${req.url ?? ''}`
      res.end(secure ? `TLS ${line}${body ? ` ${body}` : ''}` : `${line} ${body}`)
    })
  }
  const plain = http.createServer(handler(false))
  const credentials = {
    key: readFileSync(new URL('self-signed.key', fixtures)),
    cert: readFileSync(new URL('self-signed.crt', fixtures)),
  }
  const context = tls.createSecureContext(credentials)
  const secure = https.createServer(
    {
      ...credentials,
      SNICallback: (name, callback) => {
        serverNames.push(name)
        callback(null, context)
      },
    },
    handler(true),
  )
  secure.on('tlsClientError', () => undefined)
  for (const server of [plain, secure])
    server.on('connection', (socket: Socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
  const ports = { http: await listen(plain), https: await listen(secure) }
  return {
    ports,
    hostsSeen,
    pathsSeen,
    serverNames,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await Promise.all([plain, secure].map((s) => new Promise((resolve) => s.close(resolve))))
    },
  }
}
