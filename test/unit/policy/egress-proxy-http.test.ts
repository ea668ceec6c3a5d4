import http from 'node:http'
import net from 'node:net'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { SandboxConfig } from '../../../src/config.js'
import { loopbackPolicy, startServer, type LocalServer } from './local-server.js'
import { proxyRequest, startProxy, type ProxyFixture } from './proxy-client.js'

let server: LocalServer
let fixture: ProxyFixture | undefined

beforeEach(async () => {
  server = await startServer((req, res, body) => {
    switch (req.url) {
      case '/redirect':
        res.writeHead(302, { location: 'http://169.254.169.254/' })
        return void res.end()
      case '/big':
        return void res.end('x'.repeat(5000))
      case '/big-chunked':
        res.write('x'.repeat(3000))
        return void setTimeout(() => res.end('x'.repeat(3000)), 10)
      case '/forged':
        res.setHeader('x-sandtier-denied', 'domain_not_allowed')
        return void res.end('not a refusal')
      case '/slow':
        return void setTimeout(() => res.end('late'), 2000)
      default:
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ method: req.method, url: req.url, body, headers: req.headers }))
    }
  })
})

afterEach(async () => {
  await fixture?.close()
  fixture = undefined
  await server.close()
})

async function open(
  resolve: (host: string) => string[] = () => ['127.0.0.1'],
  network: SandboxConfig['network'] = {},
): Promise<ProxyFixture> {
  fixture = await startProxy(loopbackPolicy(server.port, resolve, { network }))
  fixture.proxy.beginRun({ deadline: Date.now() + 10_000 })
  return fixture
}

describe('egress proxy: plain HTTP', () => {
  it('forwards an allowed absolute-form request to the checked address, and meters it', async () => {
    const resolve = vi.fn(() => ['127.0.0.1'])
    const { proxy } = await open(resolve)
    const res = await proxyRequest(proxy, `http://api.allowed.test:${server.port}/hello?x=1`, {
      method: 'POST',
      headers: {
        'proxy-authorization': 'Basic c2VjcmV0',
        connection: 'keep-alive, x-hop',
        'x-hop': 'dropped',
        'x-kept': 'yes',
        'accept-encoding': 'gzip',
      },
      body: 'ping',
    })
    expect(res.status).toBe(200)
    const seen = JSON.parse(res.body) as {
      method: string
      url: string
      body: string
      headers: Record<string, string>
    }
    expect(seen).toMatchObject({ method: 'POST', url: '/hello?x=1', body: 'ping' })
    expect(seen.headers.host).toBe(`api.allowed.test:${server.port}`)
    expect(seen.headers['accept-encoding']).toBe('identity')
    expect(seen.headers['x-kept']).toBe('yes')
    expect(seen.headers).not.toHaveProperty('proxy-authorization')
    expect(seen.headers).not.toHaveProperty('x-hop')
    expect(resolve).toHaveBeenCalledTimes(1)
    expect(proxy.endRun()).toEqual({
      requests: 1,
      deniedRequests: 0,
      netBytesIn: Buffer.byteLength(res.body),
      netBytesOut: 4,
      secretsBlocked: 0,
    })
  })

  it('refuses a name outside the allowlist before any DNS or connection (no DNS exfiltration)', async () => {
    const resolve = vi.fn(() => ['127.0.0.1'])
    const { proxy } = await open(resolve)
    const res = await proxyRequest(proxy, `http://s3cr3t.evil.test:${server.port}/`)
    expect(res.status).toBe(403)
    expect(res.statusMessage).toBe('Network request denied: domain_not_allowed')
    expect(res.headers['x-sandtier-denied']).toBe('domain_not_allowed')
    expect(JSON.parse(res.body)).toEqual({
      error: 'PolicyDeniedError',
      reason: 'domain_not_allowed',
      message: 'Network request denied: domain_not_allowed',
    })
    expect(resolve).not.toHaveBeenCalled()
    expect(server.connections).toBe(0)
    expect(proxy.endRun()).toMatchObject({ requests: 0, deniedRequests: 1 })
  })

  it.each([
    ['an allowed name resolving to metadata', 'http://meta.allowed.test:PORT/', 'private_address'],
    [
      'a public-then-private answer (rebinding)',
      'http://mixed.allowed.test:PORT/',
      'private_address',
    ],
    ['a resolver that fails with host details', 'http://boom.allowed.test:PORT/', 'dns_failed'],
    ['a blocked port', 'http://api.allowed.test:22/', 'port_blocked'],
    ['the metadata address in decimal', 'http://2852039166/', 'private_address'],
    ['IPv4-mapped metadata', 'http://[::ffff:a9fe:a9fe]/', 'private_address'],
    ['credentials in the URL', 'http://user:pw@api.allowed.test:PORT/', 'credentials_in_url'],
    ['a non-http scheme', 'ftp://api.allowed.test/', 'scheme_not_allowed'],
    ['an origin-form request', '/relative', 'invalid_url'],
  ])('refuses %s', async (_what, url, reason) => {
    const { proxy } = await open((host) => {
      if (host === 'meta.allowed.test') return ['169.254.169.254']
      if (host === 'mixed.allowed.test') return ['93.184.215.14', '127.0.0.1', '10.0.0.7']
      if (host === 'boom.allowed.test')
        throw new Error('resolver at 10.9.8.7 exploded: /etc/secret')
      return ['127.0.0.1']
    })
    const res = await proxyRequest(proxy, url.replace('PORT', String(server.port)))
    expect(res.status).toBe(403)
    expect(res.headers['x-sandtier-denied']).toBe(reason)
    expect(res.body).not.toMatch(/10\.9\.8\.7|secret|exploded/)
    expect(server.connections).toBe(0)
    expect(proxy.endRun().deniedRequests).toBe(1)
  })

  it('refuses a request line its HTTP parser cannot read, as invalid_url', async () => {
    const { proxy } = await open()
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(proxy.socketPath)
      let text = ''
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()))
      socket.on('close', () => resolve(text))
      socket.on('error', reject)
      socket.end(`GET http://evil.test#@api.allowed.test:${server.port}/ HTTP/1.1\r\n\r\n`)
    })
    expect(reply.split('\r\n')[0]).toBe('HTTP/1.1 403 Network request denied: invalid_url')
    expect(server.connections).toBe(0)
    expect(proxy.endRun().deniedRequests).toBe(1)
  })

  it('refuses every request outside a run, without counting it anywhere', async () => {
    const { proxy } = await open()
    proxy.endRun()
    const res = await proxyRequest(proxy, `http://api.allowed.test:${server.port}/`)
    expect(res.headers['x-sandtier-denied']).toBe('network_disabled')
    expect(server.connections).toBe(0)
  })

  it('passes a redirect through; the next hop is a new request, checked again', async () => {
    const { proxy } = await open()
    const first = await proxyRequest(proxy, `http://api.allowed.test:${server.port}/redirect`)
    expect(first.status).toBe(302)
    const hop = await proxyRequest(proxy, first.headers.location ?? '')
    expect(hop.headers['x-sandtier-denied']).toBe('private_address')
    expect(proxy.endRun()).toMatchObject({ requests: 1, deniedRequests: 1 })
  })

  it('stops at maxRequests', async () => {
    const { proxy } = await open(undefined, { maxRequests: 2 })
    const url = `http://api.allowed.test:${server.port}/`
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await proxyRequest(proxy, url)).status)
    expect(statuses).toEqual([200, 200, 403])
    expect(proxy.endRun()).toMatchObject({ requests: 2, deniedRequests: 1 })
  })

  it('answers 502 response_size for a declared body over maxResponseBytes', async () => {
    const { proxy } = await open(undefined, { maxResponseBytes: 1000 })
    const res = await proxyRequest(proxy, `http://api.allowed.test:${server.port}/big`)
    expect(res.status).toBe(502)
    expect(res.headers['x-sandtier-error']).toBe('response_size')
    expect(JSON.parse(res.body)).toMatchObject({
      error: 'ResourceExceededError',
      reason: 'response_size',
    })
  })

  it('answers 413 request_size for a declared body over maxRequestBytes, before any connection', async () => {
    const { proxy } = await open(undefined, { maxRequestBytes: 1000 })
    const res = await proxyRequest(proxy, `http://api.allowed.test:${server.port}/upload`, {
      method: 'POST',
      body: 'x'.repeat(5000),
    })
    expect(res.status).toBe(413)
    expect(res.headers['x-sandtier-error']).toBe('request_size')
    expect(JSON.parse(res.body)).toMatchObject({
      error: 'ResourceExceededError',
      reason: 'request_size',
    })
    expect(server.connections).toBe(0)
    expect(proxy.endRun().netBytesOut).toBe(0)
  })

  it('cuts a chunked upload at maxRequestBytes: the upstream never gets the whole body', async () => {
    const { proxy } = await open(undefined, { maxRequestBytes: 3000 })
    const status = await new Promise<number | string>((resolve) => {
      const req = http.request(
        {
          socketPath: proxy.socketPath,
          method: 'POST',
          path: `http://api.allowed.test:${server.port}/upload`,
          headers: { 'transfer-encoding': 'chunked' },
          agent: false,
        },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', (e) => resolve(e.message))
      let sent = 0
      const more = (): void => {
        if (sent++ < 5) req.write('y'.repeat(1000), () => setTimeout(more, 20))
        else req.end()
      }
      more()
    })
    expect(status === 200).toBe(false)
    expect(proxy.endRun().netBytesOut).toBeLessThanOrEqual(3000)
    expect(server.requests.filter((r) => r.body.length >= 5000)).toHaveLength(0)
  })

  it('cuts a streamed body at maxResponseBytes: the client sees an error, never a short body', async () => {
    const { proxy } = await open(undefined, { maxResponseBytes: 4000 })
    await expect(
      proxyRequest(proxy, `http://api.allowed.test:${server.port}/big-chunked`),
    ).rejects.toThrow()
    expect(proxy.endRun().netBytesIn).toBeLessThanOrEqual(4000)
  })

  it('paces a body to limits.networkBandwidth (one second of burst, then the rate)', async () => {
    fixture = await startProxy(
      loopbackPolicy(server.port, () => ['127.0.0.1'], { limits: { networkBandwidth: 4000 } }),
    )
    fixture.proxy.beginRun({ deadline: Date.now() + 10_000 })
    const started = performance.now()
    const res = await proxyRequest(
      fixture.proxy,
      `http://api.allowed.test:${server.port}/big-chunked`,
    )
    expect(res.body).toHaveLength(6000)
    // The first 3000 bytes fit the 4000-byte burst; the next 3000 overdraw it by ~2000: the end of the
    // response waits until the bucket has refilled that much (~0.5 s at 4000 B/s).
    expect(performance.now() - started).toBeGreaterThan(400)
  })

  it('strips marker headers an upstream sends: only the proxy refuses', async () => {
    const { proxy } = await open()
    const res = await proxyRequest(proxy, `http://api.allowed.test:${server.port}/forged`)
    expect(res.status).toBe(200)
    expect(res.headers).not.toHaveProperty('x-sandtier-denied')
  })

  it('times a request out at requestTimeoutMs with a guest-safe 504', async () => {
    const { proxy } = await open(undefined, { requestTimeoutMs: 200 })
    const res = await proxyRequest(proxy, `http://api.allowed.test:${server.port}/slow`)
    expect(res.status).toBe(504)
    expect(res.headers['x-sandtier-error']).toBe('request_time')
  })

  it('reports a refused upstream connection without host details', async () => {
    const { proxy } = await open()
    const closedPort = server.port
    await server.close()
    const res = await proxyRequest(proxy, `http://api.allowed.test:${closedPort}/`)
    expect(res.status).toBe(502)
    expect(res.headers['x-sandtier-error']).toBe('connection_refused')
    expect(res.body).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/)
    server = await startServer((_req, res) => res.end())
  })

  it('ends the requests of a run when the run ends', async () => {
    const { proxy } = await open()
    const pending = proxyRequest(proxy, `http://api.allowed.test:${server.port}/slow`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    proxy.endRun()
    const res = await pending
    expect(res.status).toBe(503)
  })
})
