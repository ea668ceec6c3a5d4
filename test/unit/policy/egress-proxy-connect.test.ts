import { readFileSync } from 'node:fs'
import type { AddressInfo, Socket } from 'node:net'
import tls from 'node:tls'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loopbackPolicy } from './local-server.js'
import { proxyConnect, startProxy, type ProxyFixture } from './proxy-client.js'

const fixtures = new URL('fixtures/', import.meta.url)
const cert = readFileSync(new URL('self-signed.crt', fixtures))
const key = readFileSync(new URL('self-signed.key', fixtures))

let server: tls.Server
let port = 0
let handshakes: string[]
let connections = 0
let fixture: ProxyFixture | undefined

beforeEach(async () => {
  handshakes = []
  connections = 0
  server = tls.createServer({ key, cert }, (socket) => {
    handshakes.push((socket as tls.TLSSocket & { servername?: string }).servername ?? '')
    socket.resume()
    socket.end('HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello')
  })
  server.on('connection', () => (connections += 1))
  server.on('tlsClientError', () => undefined)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

afterEach(async () => {
  await fixture?.close()
  fixture = undefined
  await new Promise((resolve) => server.close(resolve))
})

async function open(
  network: { maxResponseBytes?: number; maxRequestBytes?: number; requestTimeoutMs?: number } = {},
): Promise<ProxyFixture> {
  fixture = await startProxy(loopbackPolicy(port, () => ['127.0.0.1'], { network }))
  fixture.proxy.beginRun({ deadline: Date.now() + 10_000 })
  return fixture
}

// TLS through an established tunnel; resolves with what the server sent, or rejects.
function tlsRequest(tunnel: Socket, servername: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({
      socket: tunnel,
      ca: cert,
      ...(servername === undefined ? { servername: '' } : { servername }),
      // The certificate names api.allowed.test; the SNI check is what these tests are about.
      checkServerIdentity: () => undefined,
    })
    const chunks: Buffer[] = []
    let secured = false
    secure.on('secureConnect', () => (secured = true))
    secure.on('data', (chunk: Buffer) => chunks.push(chunk))
    secure.on('end', () => {
      if (secured) resolve(Buffer.concat(chunks).toString('utf8'))
      else reject(new Error('closed during the handshake'))
    })
    secure.on('error', reject)
    secure.on('close', () => reject(new Error('closed')))
    secure.write('GET / HTTP/1.1\r\nhost: api.allowed.test\r\n\r\n')
  })
}

describe('egress proxy: CONNECT', () => {
  it('tunnels TLS whose SNI names the CONNECT host to the checked address, and meters it', async () => {
    const { proxy } = await open()
    const tunnel = await proxyConnect(proxy, `api.allowed.test:${port}`)
    expect(tunnel.status).toBe(200)
    expect(await tlsRequest(tunnel.socket, 'api.allowed.test')).toMatch(/hello$/)
    expect(handshakes).toEqual(['api.allowed.test'])
    const usage = proxy.endRun()
    expect(usage).toMatchObject({ requests: 1, deniedRequests: 0 })
    expect(usage.netBytesIn).toBeGreaterThan(100)
    expect(usage.netBytesOut).toBeGreaterThan(100)
  })

  it.each([
    ['another name in the SNI (domain fronting)', 'evil.test'],
    ['an allowed name in the SNI that is not the CONNECT host', 'other.allowed.test'],
    ['no SNI for a name', undefined],
  ])('closes the tunnel for %s before any byte reaches the server', async (_what, sni) => {
    const { proxy } = await open()
    const tunnel = await proxyConnect(proxy, `api.allowed.test:${port}`)
    expect(tunnel.status).toBe(200)
    await expect(tlsRequest(tunnel.socket, sni)).rejects.toThrow()
    expect(connections).toBe(0)
    expect(proxy.endRun()).toMatchObject({ requests: 1, deniedRequests: 1 })
  })

  it('closes a tunnel that does not start with a TLS ClientHello (no plaintext relay)', async () => {
    const { proxy } = await open()
    const tunnel = await proxyConnect(proxy, `api.allowed.test:${port}`)
    tunnel.socket.write('GET / HTTP/1.1\r\nhost: api.allowed.test\r\n\r\n')
    await new Promise((resolve) => tunnel.socket.on('close', resolve))
    expect(connections).toBe(0)
  })

  it.each([
    ['a host outside the allowlist', 'evil.test:PORT', 'domain_not_allowed'],
    ['a blocked port', 'api.allowed.test:22', 'port_blocked'],
    ['a port not allowed', 'api.allowed.test:8443', 'port_not_allowed'],
    ['the metadata address', '169.254.169.254:443', 'private_address'],
    ['a target without a port', 'api.allowed.test', 'invalid_url'],
    ['a target with a path', 'api.allowed.test:PORT/x', 'invalid_url'],
    ['a target with userinfo', 'user@api.allowed.test:PORT', 'credentials_in_url'],
  ])('answers 403 to CONNECT for %s', async (_what, authority, reason) => {
    const { proxy } = await open()
    const res = await proxyConnect(proxy, authority.replace('PORT', String(port)))
    expect(res.status).toBe(403)
    expect(res.headers['x-sandtier-denied']).toBe(reason)
    expect(JSON.parse(res.body)).toMatchObject({ error: 'PolicyDeniedError', reason })
    expect(connections).toBe(0)
  })

  it('cuts a tunnel that brings in more than maxResponseBytes', async () => {
    const { proxy } = await open({ maxResponseBytes: 600 })
    const tunnel = await proxyConnect(proxy, `api.allowed.test:${port}`)
    await expect(tlsRequest(tunnel.socket, 'api.allowed.test')).rejects.toThrow()
    expect(proxy.endRun().netBytesIn).toBeLessThanOrEqual(600)
  })

  it('cuts a tunnel that sends out more than maxRequestBytes', async () => {
    const { proxy } = await open({ maxRequestBytes: 3000 })
    const tunnel = await proxyConnect(proxy, `api.allowed.test:${port}`)
    const closed = new Promise<void>((resolve) => tunnel.socket.once('close', () => resolve()))
    // Not TLS past the hello, but the proxy only counts: 10 kB through a 3 kB allowance
    const secure = tls.connect({
      socket: tunnel.socket,
      servername: 'api.allowed.test',
      checkServerIdentity: () => undefined,
      ca: cert,
    })
    secure.on('error', () => undefined)
    secure.on('secureConnect', () => secure.write('z'.repeat(10_000)))
    await closed
    expect(proxy.endRun().netBytesOut).toBeLessThanOrEqual(3000)
  })

  it('closes a tunnel at requestTimeoutMs, however it is used', async () => {
    const { proxy } = await open({ requestTimeoutMs: 300 })
    const tunnel = await proxyConnect(proxy, `api.allowed.test:${port}`)
    const started = performance.now()
    await new Promise((resolve) => tunnel.socket.on('close', resolve))
    expect(performance.now() - started).toBeGreaterThan(200)
  })

  it('closes open tunnels when the run ends', async () => {
    const { proxy } = await open()
    const tunnel = await proxyConnect(proxy, `api.allowed.test:${port}`)
    const closed = new Promise((resolve) => tunnel.socket.on('close', resolve))
    proxy.endRun()
    await closed
  })
})
