/**
 * Test client for the egress proxy: a proxy on a Unix socket in a fresh temporary directory, and requests
 * sent to it the way a container's HTTP clients do (absolute form for http, CONNECT for https).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import http, { type IncomingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import { EgressProxy } from '../../../src/policy/egress-proxy.js'
import type { NetworkPolicy } from '../../../src/policy/network-policy.js'

export interface ProxyFixture {
  proxy: EgressProxy
  close(): Promise<void>
}

export async function startProxy(
  policy: NetworkPolicy,
  options: { maxConnections?: number } = {},
): Promise<ProxyFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'sandtier-proxy-test-'))
  const proxy = await EgressProxy.listen(policy, {
    socketPath: join(dir, 'proxy.sock'),
    ...options,
  })
  return {
    proxy,
    close: async () => {
      await proxy.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface ProxiedResponse {
  status: number
  statusMessage: string
  headers: IncomingHttpHeaders
  body: string
}

/** Sends `GET|POST <absolute url>` through the proxy; rejects when the proxy drops the connection. */
export function proxyRequest(
  proxy: EgressProxy,
  target: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<ProxiedResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath: proxy.socketPath,
        method: init.method ?? 'GET',
        path: target,
        headers: init.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('aborted', () => reject(new Error('aborted')))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(init.body)
  })
}

export interface ConnectResult {
  status: number
  statusMessage: string
  headers: IncomingHttpHeaders
  /** The tunnel, when the proxy answered 200. */
  socket: Socket
  /** The refusal's body, when it did not. */
  body: string
}

/** Sends `CONNECT <authority>` through the proxy. */
export function proxyConnect(proxy: EgressProxy, authority: string): Promise<ConnectResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      socketPath: proxy.socketPath,
      method: 'CONNECT',
      path: authority,
      agent: false,
    })
    req.on('connect', (res, socket: Socket, head: Buffer) => {
      const chunks: Buffer[] = [head]
      const done = (): void =>
        resolve({
          status: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: res.headers,
          socket,
          body: Buffer.concat(chunks).toString('utf8'),
        })
      if (res.statusCode === 200) return done()
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.on('close', done)
    })
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: res.headers,
          socket: res.socket,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}
