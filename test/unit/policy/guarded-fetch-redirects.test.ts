import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PolicyDeniedError, ValidationError } from '../../../src/errors.js'
import { MAX_REDIRECTS, guardedFetch } from '../../../src/policy/guarded-fetch.js'
import { createNetworkMeter } from '../../../src/policy/network-meter.js'
import { spyOnConnections, type ConnectionSpy } from './connection-spy.js'
import { loopbackPolicy, startServer, type LocalServer } from './local-server.js'

let server: LocalServer
let connections: ConnectionSpy
// Names the test resolver knows: allowed ones map to the loopback server, rebind.allowed.test to a private address.
const resolve = vi.fn((host: string) =>
  host === 'rebind.allowed.test' ? ['10.0.0.1'] : ['127.0.0.1'],
)

beforeEach(async () => {
  resolve.mockClear()
  server = await startServer((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const hop = /^\/hop\/(\d+)$/.exec(url.pathname)
    if (hop !== null) {
      const left = Number(hop[1])
      if (left === 0) res.end('done')
      else res.writeHead(302, { location: `/hop/${left - 1}` }).end('redirect body')
      return
    }
    if (url.pathname === '/to') {
      res.writeHead(Number(url.searchParams.get('status') ?? 302), {
        location: url.searchParams.get('location') ?? '/',
      })
      res.end()
      return
    }
    res.end(
      JSON.stringify({ method: req.method, body, auth: req.headers['authorization'] ?? null }),
    )
  })
  connections = spyOnConnections()
})

afterEach(async () => {
  connections.restore()
  await server.close()
})

function to(location: string, status = 302): string {
  const query = new URLSearchParams({ location, status: String(status) })
  return `http://api.allowed.test:${server.port}/to?${query}`
}

async function denial(promise: Promise<unknown>): Promise<PolicyDeniedError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(PolicyDeniedError)
  return error as PolicyDeniedError
}

describe('guardedFetch: redirects are followed by hand and re-checked hop by hop', () => {
  it(`follows ${MAX_REDIRECTS} redirects within allowed names`, async () => {
    const meter = createNetworkMeter()
    const res = await guardedFetch(
      loopbackPolicy(server.port, resolve),
      meter,
      `http://api.allowed.test:${server.port}/hop/${MAX_REDIRECTS}`,
    )
    expect(res.body).toBe('done')
    expect(res.url).toBe(`http://api.allowed.test:${server.port}/hop/0`)
    expect(meter.requests).toBe(MAX_REDIRECTS + 1)
    expect(resolve).toHaveBeenCalledTimes(MAX_REDIRECTS + 1) // one resolution per hop, each checked
  })

  it(`refuses the redirect after the ${MAX_REDIRECTS}th with too_many_redirects`, async () => {
    const meter = createNetworkMeter()
    const error = await denial(
      guardedFetch(
        loopbackPolicy(server.port, resolve),
        meter,
        `http://api.allowed.test:${server.port}/hop/${MAX_REDIRECTS + 1}`,
      ),
    )
    expect(error.reason).toBe('too_many_redirects')
    expect(server.requests).toHaveLength(MAX_REDIRECTS + 1)
    expect(meter).toMatchObject({ requests: MAX_REDIRECTS + 1, deniedRequests: 1 })
  })

  it.each([
    ['a name that is not allowed', 'http://evil.test/'],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['a decimal loopback literal', 'http://2130706433/'],
    ['a blocked port', 'http://api.allowed.test:22/'],
    ['a file: URL', 'file:///etc/passwd'],
    ['a data: URL', 'data:text/plain,hi'],
    ['an allowed name resolving to a private address', 'http://rebind.allowed.test:PORT/'],
    ['an IPv4-mapped metadata literal', 'http://[::ffff:169.254.169.254]/'],
  ])(
    'refuses a redirect to %s with redirect_blocked, without connecting there',
    async (_label, target) => {
      const meter = createNetworkMeter()
      const location = target.replace('PORT', String(server.port))
      const error = await denial(
        guardedFetch(loopbackPolicy(server.port, resolve), meter, to(location)),
      )
      expect(error.reason).toBe('redirect_blocked')
      expect(connections.attempts()).toBe(1) // only the first, allowed hop
      expect(server.requests).toHaveLength(1)
      expect(resolve).not.toHaveBeenCalledWith('evil.test')
      expect(meter.deniedRequests).toBe(1)
    },
  )

  it('turns POST into GET on 303 and drops the body', async () => {
    const res = await guardedFetch(
      loopbackPolicy(server.port, resolve),
      createNetworkMeter(),
      to('/echo', 303),
      { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } },
    )
    expect(JSON.parse(res.body)).toMatchObject({ method: 'GET', body: '' })
    expect(server.requests[1]?.headers['content-type']).toBeUndefined()
  })

  it('keeps method and body on 307', async () => {
    const res = await guardedFetch(
      loopbackPolicy(server.port, resolve),
      createNetworkMeter(),
      to('/echo', 307),
      { method: 'PUT', body: 'payload' },
    )
    expect(JSON.parse(res.body)).toMatchObject({ method: 'PUT', body: 'payload' })
  })

  it('drops Authorization on a cross-origin hop and keeps it on the same origin (D12)', async () => {
    const policy = loopbackPolicy(server.port, resolve)
    const init = { headers: { Authorization: 'Bearer secret' } }
    const same = await guardedFetch(policy, createNetworkMeter(), to('/echo'), init)
    expect(JSON.parse(same.body)).toMatchObject({ auth: 'Bearer secret' })
    const crossOrigin = `http://other.allowed.test:${server.port}/echo`
    const other = await guardedFetch(policy, createNetworkMeter(), to(crossOrigin), init)
    expect(JSON.parse(other.body)).toMatchObject({ auth: null })
    expect(server.requests.at(-1)?.headers.host).toBe(`other.allowed.test:${server.port}`)
  })

  it("returns the 3xx itself with redirect: 'manual' and fails with redirect: 'error'", async () => {
    const policy = loopbackPolicy(server.port, resolve)
    const manual = await guardedFetch(policy, createNetworkMeter(), to('http://evil.test/'), {
      redirect: 'manual',
    })
    expect(manual.status).toBe(302)
    expect(manual.headers['location']).toBe('http://evil.test/')
    await expect(
      guardedFetch(policy, createNetworkMeter(), to('/echo'), { redirect: 'error' }),
    ).rejects.toThrow(ValidationError)
    expect(resolve).not.toHaveBeenCalledWith('evil.test')
  })

  it('counts redirect hops against maxRequests', async () => {
    const policy = loopbackPolicy(server.port, resolve, { network: { maxRequests: 3 } })
    const meter = createNetworkMeter()
    const error = await denial(
      guardedFetch(policy, meter, `http://api.allowed.test:${server.port}/hop/4`),
    )
    expect(error.reason).toBe('max_requests')
    expect(server.requests).toHaveLength(3)
  })
})
