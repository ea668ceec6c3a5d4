import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useFileManager } from '../../fixtures/sandtier.js'

const { runOnce } = useFileManager()
let server: Server
let port = 0
let hits = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++
    if (req.url === '/redirect-internal') {
      res.writeHead(302, { location: `http://metadata.internal.test:${port}/secret` })
      res.end()
      return
    }
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('x'.repeat(100_000))
      return
    }
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-test': 'yes' })
      res.end(JSON.stringify({ method: req.method, url: req.url, body }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

const policy = () => ({
  networkEnabled: true,
  allowedDomains: [`api.allowed.test:${port}`],
  network: {
    allowedPorts: [port],
    allowPrivateCidrs: ['127.0.0.0/8'],
    resolve: (host: string) => (host.endsWith('.test') ? ['127.0.0.1'] : []),
  },
})

describe('quickjs tier: fetch through the network policy', () => {
  it('an allowed request works and is metered', async () => {
    const r = await runOnce(
      `const res = await fetch('http://api.allowed.test:${port}/hello', { method: 'POST', body: 'ping', headers: { 'content-type': 'text/plain' } })
       const j = await res.json();
       [res.status, res.ok, res.headers.get('X-Test'), j.method, j.url, j.body]`,
      policy(),
    )
    expect(r.error).toBeUndefined()
    expect(r.value).toEqual([200, true, 'yes', 'POST', '/hello', 'ping'])
    expect(r.usage.requests).toBe(1)
    expect(r.usage.netBytesIn).toBeGreaterThan(0)
    expect(r.usage.netBytesOut).toBe(4)
  })

  it('a host outside the allowlist is denied before any connection', async () => {
    const before = hits
    const r = await runOnce(
      `try { await fetch('http://other.test:${port}/') } catch (e) { [e.name, e.reason, e.message] }`,
      policy(),
    )
    expect(r.value).toEqual([
      'PolicyDeniedError',
      'domain_not_allowed',
      'Network request denied: domain_not_allowed',
    ])
    expect(r.usage.deniedRequests).toBe(1)
    expect(hits).toBe(before)
  })

  it('a redirect to a refused host is refused', async () => {
    const r = await runOnce(
      `try { await fetch('http://api.allowed.test:${port}/redirect-internal') } catch (e) { e.reason }`,
      policy(),
    )
    expect(r.value).toBe('redirect_blocked')
  })

  it('a response over maxResponseBytes is an error, not a truncation', async () => {
    const config = policy()
    const r = await runOnce(
      `try { await (await fetch('http://api.allowed.test:${port}/big')).text() } catch (e) { [e.name, e.reason] }`,
      { ...config, network: { ...config.network, maxResponseBytes: 1000 } },
    )
    expect(r.value).toEqual(['ResourceExceededError', 'response_size'])
  })

  it('a request body over maxRequestBytes is refused before it leaves (D20)', async () => {
    const config = policy()
    const before = hits
    const r = await runOnce(
      `try { await fetch('http://api.allowed.test:${port}/upload', { method: 'POST', body: 'x'.repeat(2e6) }) } catch (e) { [e.name, e.reason, e.message] }`,
      { ...config, network: { ...config.network, maxRequestBytes: 1e6 } },
    )
    expect(r.value).toEqual([
      'ResourceExceededError',
      'request_size',
      'Request body exceeds the size limit',
    ])
    expect(r.usage.netBytesOut).toBe(0)
    expect(hits).toBe(before)
  })

  it('metadata and loopback literals are refused even with the network on', async () => {
    const r = await runOnce(
      `const out = []
       for (const u of ['http://169.254.169.254/', 'http://2130706433/', 'http://[::ffff:a9fe:a9fe]/', 'file:///etc/passwd'])
         try { await fetch(u); out.push('allowed') } catch (e) { out.push(e.reason) }
       out`,
      policy(),
    )
    // 127.0.0.0/8 is exempted for the test servers, so the decimal loopback falls to the domain rule
    expect(r.value).toEqual([
      'private_address',
      'domain_not_allowed',
      'private_address',
      'scheme_not_allowed',
    ])
  })
})
