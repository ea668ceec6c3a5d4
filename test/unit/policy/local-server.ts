/**
 * A loopback HTTP server for policy tests: binds 127.0.0.1 on an ephemeral port and records every connection and
 * request, so tests can assert what did (and did not) reach it.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { resolveConfig, type SandboxConfig } from '../../../src/config.js'
import { NetworkPolicy } from '../../../src/policy/network-policy.js'

export interface RecordedRequest {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

export interface LocalServer {
  port: number
  connections: number
  requests: RecordedRequest[]
  /** Sockets closed by the peer or by us; lets tests see that an aborted transfer was torn down. */
  closedSockets: number
  close(): Promise<void>
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void

/** Starts a server on 127.0.0.1:0. */
export async function startServer(handler: Handler): Promise<LocalServer> {
  const sockets = new Set<Socket>()
  const state = { port: 0, connections: 0, closedSockets: 0, requests: [] as RecordedRequest[] }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      state.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
      })
      handler(req, res, body)
    })
  })
  server.on('connection', (socket: Socket) => {
    state.connections += 1
    sockets.add(socket)
    socket.on('close', () => {
      state.closedSockets += 1
      sockets.delete(socket)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.port = (server.address() as AddressInfo).port
  return Object.assign(state, {
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  })
}

/**
 * A policy for loopback tests: `*.allowed.test` and `api.allowed.test` allowed on `port`, 127.0.0.0/8 exempt
 * from the private-address ban, and `resolve` mapping names (default: everything to 127.0.0.1).
 */
export function loopbackPolicy(
  port: number,
  resolve: (hostname: string) => Promise<string[]> | string[],
  overrides: { network?: SandboxConfig['network']; limits?: SandboxConfig['limits'] } = {},
): NetworkPolicy {
  return NetworkPolicy.from(
    resolveConfig({
      networkEnabled: true,
      allowedDomains: ['api.allowed.test', '*.allowed.test'],
      network: {
        allowedPorts: [port],
        allowPrivateCidrs: ['127.0.0.0/8'],
        resolve,
        ...overrides.network,
      },
      ...(overrides.limits === undefined ? {} : { limits: overrides.limits }),
    }).network,
  )
}
