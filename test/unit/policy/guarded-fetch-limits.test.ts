import type { ServerResponse } from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PolicyDeniedError, ResourceExceededError, SandboxError } from '../../../src/errors.js'
import { guardedFetch, toGuestNetworkError } from '../../../src/policy/guarded-fetch.js'
import { createNetworkMeter } from '../../../src/policy/network-meter.js'
import { loopbackPolicy, startServer, type Handler, type LocalServer } from './local-server.js'

const KiB = 1024
const servers: LocalServer[] = []
const timers: NodeJS.Timeout[] = []
const resolve = vi.fn(() => ['127.0.0.1'])

afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer)
  await Promise.all(servers.splice(0).map((s) => s.close()))
  resolve.mockClear()
})

async function serve(handler: Handler): Promise<LocalServer> {
  const server = await startServer(handler)
  servers.push(server)
  return server
}

// Sends `chunk` every `everyMs` until the client goes away.
function drip(res: ServerResponse, chunk: string, everyMs: number): void {
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer)
    res.write(chunk)
  }, everyMs)
  timers.push(timer)
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  )
}

describe('guardedFetch: response size', () => {
  it('stops an endless body at maxResponseBytes with an error and closes the socket', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200)
      drip(res, 'x'.repeat(16 * KiB), 1)
    })
    const meter = createNetworkMeter()
    const policy = loopbackPolicy(server.port, resolve, { network: { maxResponseBytes: 64 * KiB } })
    const error = await failure(
      guardedFetch(policy, meter, `http://api.allowed.test:${server.port}/`),
    )
    expect(error).toBeInstanceOf(ResourceExceededError)
    expect(error).toMatchObject({ resource: 'response_size', limit: 64 * KiB })
    expect((error as ResourceExceededError).used).toBeLessThanOrEqual(64 * KiB + 64 * KiB)
    expect(meter.netBytesIn).toBeLessThanOrEqual(128 * KiB)
    await vi.waitFor(() => expect(server.closedSockets).toBe(1))
    expect(toGuestNetworkError(error)).toEqual({
      name: 'ResourceExceededError',
      message: 'Response body exceeds the size limit',
      code: 'ERR_RESOURCE_EXCEEDED',
      reason: 'response_size',
    })
  })

  it('refuses a declared Content-Length over the cap before reading the body', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(1024 * 1024 * 1024) })
      res.write('x')
    })
    const meter = createNetworkMeter()
    const policy = loopbackPolicy(server.port, resolve, { network: { maxResponseBytes: 1024 } })
    const error = await failure(
      guardedFetch(policy, meter, `http://api.allowed.test:${server.port}/`),
    )
    expect(error).toMatchObject({
      resource: 'response_size',
      used: 1024 * 1024 * 1024,
      limit: 1024,
    })
  })

  it('returns a body exactly at the cap', async () => {
    const server = await serve((_req, res) => res.end('y'.repeat(1024)))
    const policy = loopbackPolicy(server.port, resolve, { network: { maxResponseBytes: 1024 } })
    const res = await guardedFetch(
      policy,
      createNetworkMeter(),
      `http://api.allowed.test:${server.port}/`,
    )
    expect(res.body).toHaveLength(1024)
  })
})

describe('guardedFetch: time', () => {
  it('ends a slow-drip response at requestTimeoutMs (D18)', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200)
      drip(res, '.', 50)
    })
    const policy = loopbackPolicy(server.port, resolve, { network: { requestTimeoutMs: 300 } })
    const started = performance.now()
    const error = await failure(
      guardedFetch(policy, createNetworkMeter(), `http://api.allowed.test:${server.port}/`),
    )
    const elapsed = performance.now() - started
    expect(error).toBeInstanceOf(ResourceExceededError)
    expect(error).toMatchObject({ resource: 'request_time', limit: 300 })
    expect(elapsed).toBeGreaterThanOrEqual(250)
    expect(elapsed).toBeLessThan(2000)
    await vi.waitFor(() => expect(server.closedSockets).toBe(1))
    expect(toGuestNetworkError(error).reason).toBe('request_time')
  })

  it('ends a server that accepts and never answers at the run deadline', async () => {
    const server = await serve(() => {})
    const policy = loopbackPolicy(server.port, resolve)
    const started = performance.now()
    const error = await failure(
      guardedFetch(
        policy,
        createNetworkMeter(),
        `http://api.allowed.test:${server.port}/`,
        undefined,
        {
          deadline: Date.now() + 300,
        },
      ),
    )
    const elapsed = performance.now() - started
    expect(error).toMatchObject({ resource: 'wall' })
    expect(elapsed).toBeLessThan(2000)
  })

  it('accepts a Deadline-like object and refuses at once when no time is left', async () => {
    const server = await serve((_req, res) => res.end('ok'))
    const policy = loopbackPolicy(server.port, resolve)
    const url = `http://api.allowed.test:${server.port}/`
    const ok = await guardedFetch(policy, createNetworkMeter(), url, undefined, {
      deadline: { remaining: () => 5_000 },
    })
    expect(ok.body).toBe('ok')
    const error = await failure(
      guardedFetch(policy, createNetworkMeter(), url, undefined, {
        deadline: { remaining: () => 0 },
      }),
    )
    expect(error).toMatchObject({ resource: 'wall' })
    expect(server.requests).toHaveLength(1)
  })

  it('aborts with the run signal, keeping a SandboxError reason', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200)
      drip(res, '.', 50)
    })
    const policy = loopbackPolicy(server.port, resolve)
    const url = `http://api.allowed.test:${server.port}/`
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 150)
    const error = await failure(
      guardedFetch(policy, createNetworkMeter(), url, undefined, { signal: controller.signal }),
    )
    expect(error).toBeInstanceOf(SandboxError)
    expect((error as SandboxError).code).toBe('ERR_CANCELLED')
    expect(toGuestNetworkError(error)).toMatchObject({ name: 'AbortError', reason: 'aborted' })

    const reason = new ResourceExceededError('wall', 1, 1)
    const preAborted = AbortSignal.abort(reason)
    await expect(
      guardedFetch(policy, createNetworkMeter(), url, undefined, { signal: preAborted }),
    ).rejects.toBe(reason)
  })
})

describe('guardedFetch: request count and bandwidth', () => {
  it('refuses requests past maxRequests with max_requests', async () => {
    const server = await serve((_req, res) => res.end('ok'))
    const policy = loopbackPolicy(server.port, resolve, { network: { maxRequests: 2 } })
    const meter = createNetworkMeter()
    const url = `http://api.allowed.test:${server.port}/`
    await guardedFetch(policy, meter, url)
    await guardedFetch(policy, meter, url)
    const error = await failure(guardedFetch(policy, meter, url))
    expect(error).toBeInstanceOf(PolicyDeniedError)
    expect((error as PolicyDeniedError).reason).toBe('max_requests')
    expect(meter).toMatchObject({ requests: 2, deniedRequests: 1 })
    expect(server.connections).toBe(2)
    expect(resolve).toHaveBeenCalledTimes(2)
  })

  it('refuses a body over maxRequestBytes before resolving or connecting (no exfiltration)', async () => {
    const server = await serve((_req, res) => res.end('ok'))
    const policy = loopbackPolicy(server.port, resolve, { network: { maxRequestBytes: 1000 } })
    const meter = createNetworkMeter()
    const url = `http://api.allowed.test:${server.port}/upload`
    const error = await failure(
      guardedFetch(policy, meter, url, { method: 'POST', body: 'é'.repeat(501) }),
    )
    expect(error).toBeInstanceOf(ResourceExceededError)
    // counted in bytes, not characters: 501 × 2 bytes
    expect(error).toMatchObject({ resource: 'request_size', used: 1002, limit: 1000 })
    expect(toGuestNetworkError(error)).toEqual({
      name: 'ResourceExceededError',
      message: 'Request body exceeds the size limit',
      code: 'ERR_RESOURCE_EXCEEDED',
      reason: 'request_size',
    })
    expect(server.connections).toBe(0)
    expect(meter.netBytesOut).toBe(0)
    const ok = await guardedFetch(policy, meter, url, { method: 'POST', body: 'x'.repeat(1000) })
    expect(ok.body).toBe('ok')
  })

  it('throttles reading to limits.networkBandwidth instead of failing', async () => {
    const server = await serve((_req, res) => res.end('z'.repeat(40 * KiB)))
    const policy = loopbackPolicy(server.port, resolve, { limits: { networkBandwidth: 16 * KiB } })
    const started = performance.now()
    const res = await guardedFetch(
      policy,
      createNetworkMeter(),
      `http://api.allowed.test:${server.port}/`,
    )
    const elapsed = performance.now() - started
    expect(res.body).toHaveLength(40 * KiB)
    // 16 KiB of burst, then 24 KiB at 16 KiB/s: about 1.5 s.
    expect(elapsed).toBeGreaterThanOrEqual(1000)
    expect(elapsed).toBeLessThan(6000)
  })
})
