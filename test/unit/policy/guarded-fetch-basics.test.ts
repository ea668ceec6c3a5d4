import { readFileSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PolicyDeniedError, ValidationError } from '../../../src/errors.js'
import { emptyUsage } from '../../../src/types.js'
import { guardedFetch, toGuestNetworkError } from '../../../src/policy/guarded-fetch.js'
import { copyNetworkUsage, createNetworkMeter } from '../../../src/policy/network-meter.js'
import { NetworkPolicy } from '../../../src/policy/network-policy.js'
import { spyOnConnections, type ConnectionSpy } from './connection-spy.js'
import { loopbackPolicy, startServer, type LocalServer } from './local-server.js'

let server: LocalServer
let connections: ConnectionSpy

beforeEach(async () => {
  server = await startServer((req, res, body) => {
    res.setHeader('content-type', 'application/json')
    res.setHeader('x-multi', ['a', 'b'])
    res.end(JSON.stringify({ method: req.method, url: req.url, body }))
  })
  connections = spyOnConnections()
})

afterEach(async () => {
  connections.restore()
  await server.close()
})

async function denial(promise: Promise<unknown>): Promise<PolicyDeniedError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(PolicyDeniedError)
  return error as PolicyDeniedError
}

describe('guardedFetch: allowed requests', () => {
  it('GETs an allowed name from a loopback server, resolving it exactly once', async () => {
    const resolve = vi.fn(() => ['127.0.0.1'])
    const meter = createNetworkMeter()
    const url = `http://api.allowed.test:${server.port}/hello?x=1`
    const res = await guardedFetch(loopbackPolicy(server.port, resolve), meter, url)
    expect(res).toEqual({
      status: 200,
      statusText: 'OK',
      headers: expect.objectContaining({ 'content-type': 'application/json', 'x-multi': 'a, b' }),
      body: JSON.stringify({ method: 'GET', url: '/hello?x=1', body: '' }),
      url,
    })
    expect(JSON.parse(JSON.stringify(res))).toEqual(res) // JSON-safe
    expect(resolve).toHaveBeenCalledTimes(1)
    expect(resolve).toHaveBeenCalledWith('api.allowed.test')
    expect(server.connections).toBe(1)
    expect(server.requests[0]?.headers.host).toBe(`api.allowed.test:${server.port}`)
    expect(server.requests[0]?.headers['accept-encoding']).toBe('identity')
    expect(meter).toEqual({
      requests: 1,
      deniedRequests: 0,
      netBytesIn: res.body.length,
      netBytesOut: 0,
      secretsBlocked: 0,
    })
    const usage = emptyUsage()
    copyNetworkUsage(meter, usage)
    expect(usage).toMatchObject({ requests: 1, deniedRequests: 0, netBytesIn: res.body.length })
  })

  it('POSTs a string body with guest headers, stripping hop-by-hop and proxy headers', async () => {
    const meter = createNetworkMeter()
    const res = await guardedFetch(
      loopbackPolicy(server.port, () => ['127.0.0.1']),
      meter,
      `http://api.allowed.test:${server.port}/echo`,
      {
        method: 'post',
        body: 'héllo',
        headers: {
          'Content-Type': 'text/plain',
          'X-Api-Key': 'k',
          'Proxy-Authorization': 'Basic x',
          Connection: 'close, Host',
          'Transfer-Encoding': 'chunked',
        },
      },
    )
    expect(JSON.parse(res.body)).toEqual({ method: 'POST', url: '/echo', body: 'héllo' })
    const seen = server.requests[0]?.headers ?? {}
    expect(seen['content-type']).toBe('text/plain')
    expect(seen['x-api-key']).toBe('k')
    expect(seen['proxy-authorization']).toBeUndefined()
    expect(seen['transfer-encoding']).toBeUndefined()
    expect(seen['content-length']).toBe(String(Buffer.byteLength('héllo')))
    expect(meter.netBytesOut).toBe(Buffer.byteLength('héllo'))
  })

  it.each([
    ['a Host header', { headers: { Host: 'internal.svc' } }, 'The Host header cannot be set'],
    [
      'CR/LF in a header value',
      { headers: { 'X-A': 'b\r\nHost: evil' } },
      'Invalid request header',
    ],
    ['an invalid header name', { headers: { 'X A': 'b' } }, 'Invalid request header'],
    ['an unsupported method', { method: 'TRACE' }, 'Unsupported request method'],
    ['CONNECT', { method: 'CONNECT' }, 'Unsupported request method'],
    ['a GET with a body', { method: 'GET', body: 'x' }, 'GET and HEAD requests cannot have a body'],
    ['a non-string body', { method: 'POST', body: 42 }, 'Request body must be a string'],
    ['an unknown redirect mode', { redirect: 'sometimes' }, 'Invalid redirect mode'],
  ])('refuses %s before any network work', async (_label, init, message) => {
    const resolve = vi.fn(() => ['127.0.0.1'])
    const promise = guardedFetch(
      loopbackPolicy(server.port, resolve),
      createNetworkMeter(),
      `http://api.allowed.test:${server.port}/`,
      init as never,
    )
    await expect(promise).rejects.toThrow(ValidationError)
    const guest = toGuestNetworkError(await promise.catch((e: unknown) => e))
    expect(guest).toEqual({
      name: 'TypeError',
      message,
      code: 'ERR_VALIDATION',
      reason: 'invalid_request',
    })
    expect(resolve).not.toHaveBeenCalled()
    expect(connections.attempts()).toBe(0)
  })
})

describe('guardedFetch: refusals happen before connecting', () => {
  it('never resolves a name that is not allowed (no DNS exfiltration, D22)', async () => {
    const resolve = vi.fn(() => ['127.0.0.1'])
    const meter = createNetworkMeter()
    const policy = loopbackPolicy(server.port, resolve)
    const error = await denial(
      guardedFetch(policy, meter, `http://secret123.attacker.test:${server.port}/`),
    )
    expect(error.reason).toBe('domain_not_allowed')
    expect(resolve).not.toHaveBeenCalled()
    expect(connections.attempts()).toBe(0)
    expect(meter).toEqual({
      requests: 0,
      deniedRequests: 1,
      netBytesIn: 0,
      netBytesOut: 0,
      secretsBlocked: 0,
    })
  })

  it('refuses a resolver mixing a public and a loopback answer, without any connection', async () => {
    const resolve = vi.fn(() => ['93.184.216.34', '127.0.0.1'])
    const policy = loopbackPolicy(server.port, resolve, { network: { allowPrivateCidrs: [] } })
    const error = await denial(
      guardedFetch(policy, createNetworkMeter(), `http://api.allowed.test:${server.port}/`),
    )
    expect(error.reason).toBe('private_address')
    expect(resolve).toHaveBeenCalledTimes(1)
    expect(connections.attempts()).toBe(0)
    expect(server.connections).toBe(0)
  })

  it('refuses loopback answers when allowPrivateCidrs is empty', async () => {
    const resolve = vi.fn(() => ['127.0.0.1'])
    const policy = loopbackPolicy(server.port, resolve, { network: { allowPrivateCidrs: [] } })
    const error = await denial(
      guardedFetch(policy, createNetworkMeter(), `http://api.allowed.test:${server.port}/`),
    )
    expect(error.reason).toBe('private_address')
    expect(connections.attempts()).toBe(0)
  })

  it('refuses an allowlisted name that resolves to the metadata address', async () => {
    const resolve = vi.fn(() => ['169.254.169.254'])
    const error = await denial(
      guardedFetch(
        loopbackPolicy(server.port, resolve),
        createNetworkMeter(),
        `http://api.allowed.test:${server.port}/`,
      ),
    )
    expect(error.reason).toBe('private_address')
    expect(connections.attempts()).toBe(0)
  })

  it('connects to the pinned address: a rebinding second answer is never used (D13)', async () => {
    // First answer 127.0.0.1 (exempt), every later one 127.0.0.2 (not exempt, nothing listens there).
    let calls = 0
    const resolve = vi.fn(() => (++calls === 1 ? ['127.0.0.1'] : ['127.0.0.2']))
    const policy = loopbackPolicy(server.port, resolve, {
      network: { allowPrivateCidrs: ['127.0.0.1/32'] },
    })
    const meter = createNetworkMeter()
    const url = `http://api.allowed.test:${server.port}/`
    const res = await guardedFetch(policy, meter, url)
    expect(res.status).toBe(200)
    expect(resolve).toHaveBeenCalledTimes(1) // one lookup per request: the socket used the pinned address
    const error = await denial(guardedFetch(policy, meter, url))
    expect(error.reason).toBe('private_address')
    expect(resolve).toHaveBeenCalledTimes(2)
    expect(server.connections).toBe(1)
    expect(connections.attempts()).toBe(1)
    expect(meter).toMatchObject({ requests: 2, deniedRequests: 1 })
  })

  it.each([
    ['network disabled', { networkEnabled: false }, 'network_disabled'],
    ['a blocked port', { url: 'http://api.allowed.test:22/' }, 'port_blocked'],
    ['a port not allowed', { url: 'http://api.allowed.test:8080/' }, 'port_not_allowed'],
    ['a data: URL', { url: 'data:text/plain,hi' }, 'scheme_not_allowed'],
    ['a file: URL', { url: 'file:///etc/passwd' }, 'scheme_not_allowed'],
    ['credentials', { url: 'http://u:p@api.allowed.test/' }, 'credentials_in_url'],
    ['an unparsable URL', { url: 'http://[::1' }, 'invalid_url'],
    ['a decimal metadata literal', { url: 'http://2852039166/' }, 'private_address'],
    // 127.0.0.0/8 is exempt in this policy, but an IP literal must still be listed literally.
    ['a decimal loopback literal', { url: 'http://2130706433/' }, 'domain_not_allowed'],
  ])('refuses %s', async (_label, options, reason) => {
    const resolve = vi.fn(() => ['127.0.0.1'])
    let policy = loopbackPolicy(server.port, resolve)
    if ('networkEnabled' in options)
      policy = new NetworkPolicy({ ...policy.config, enabled: false })
    const url = 'url' in options ? options.url : `http://api.allowed.test:${server.port}/`
    const meter = createNetworkMeter()
    expect((await denial(guardedFetch(policy, meter, url))).reason).toBe(reason)
    expect(resolve).not.toHaveBeenCalled()
    expect(connections.attempts()).toBe(0)
    expect(meter.deniedRequests).toBe(1)
  })
})

describe('guardedFetch: TLS', () => {
  it('sends the name as SNI and verifies the certificate whatever NODE_TLS_REJECT_UNAUTHORIZED says', async () => {
    const fixtures = new URL('./fixtures/', import.meta.url)
    const sniSeen: string[] = []
    const tlsServer = https.createServer(
      {
        key: readFileSync(new URL('self-signed.key', fixtures)),
        cert: readFileSync(new URL('self-signed.crt', fixtures)),
        SNICallback: (name, cb) => {
          sniSeen.push(name)
          cb(null)
        },
      },
      (_req, res) => res.end('should not be reached'),
    )
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve))
    const port = (tlsServer.address() as AddressInfo).port
    const previous = process.env['NODE_TLS_REJECT_UNAUTHORIZED']
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0'
    // Node warns about the variable whenever TLS starts while it is set; the warning is the point here.
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    try {
      const resolve = vi.fn(() => ['127.0.0.1'])
      const error: unknown = await guardedFetch(
        loopbackPolicy(port, resolve),
        createNetworkMeter(),
        `https://api.allowed.test:${port}/`,
      ).catch((e: unknown) => e)
      expect(toGuestNetworkError(error)).toEqual({
        name: 'TypeError',
        message: 'fetch failed',
        code: 'ERR_NETWORK',
        reason: 'tls_failed',
      })
      expect(sniSeen).toEqual(['api.allowed.test'])
      expect(resolve).toHaveBeenCalledTimes(1)
    } finally {
      warnings.mockRestore()
      if (previous === undefined) delete process.env['NODE_TLS_REJECT_UNAUTHORIZED']
      else process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = previous
      tlsServer.closeAllConnections()
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()))
    }
  })
})
