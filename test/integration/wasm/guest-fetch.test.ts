import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WasmTier } from '../../../src/tiers/wasm/wasm-tier.js'
import { fetchUrl } from '../../fixtures/wasm/as-sources.js'
import { newTier, request, sandbox } from '../../fixtures/wasm/tier-helpers.js'

let tier: WasmTier
let server: Server
let port: number
const seen: { url: string; header: string | undefined }[] = []

beforeAll(async () => {
  tier = newTier()
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', header: req.headers['x-test'] as string | undefined })
    res.setHeader('x-reply', 'pong')
    res.end('hello over http')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  await tier.close()
  await new Promise((resolve) => server.close(resolve))
})

const allowed = () => ({
  language: 'assemblyscript' as const,
  networkEnabled: true,
  allowedDomains: ['api.allowed.test'],
  network: {
    allowPrivateCidrs: ['127.0.0.0/8'],
    allowedPorts: [port],
    resolve: () => ['127.0.0.1'],
  },
})

describe('AssemblyScript fetch through the network policy', () => {
  it('denies everything by default, as a guest-visible error', async () => {
    const sb = await sandbox(tier, { language: 'assemblyscript' })
    const result = await sb.execute(request({ code: fetchUrl(`http://127.0.0.1:${port}/`) }))
    expect(result.status).toBe('ok')
    expect(result.value).toEqual({
      error: 'PolicyDeniedError: Network request denied: network_disabled',
    })
    expect(result.usage.deniedRequests).toBe(1)
  })

  it('fetches an allowed host, synchronously from the guest', async () => {
    const sb = await sandbox(tier, allowed())
    const result = await sb.execute(
      request({ code: fetchUrl(`http://api.allowed.test:${port}/hello`) }),
    )
    expect(result.value).toEqual({ status: 200, ok: true, body: 'hello over http', reply: 'pong' })
    expect(seen.at(-1)).toEqual({ url: '/hello', header: 'yes' })
    expect(result.usage).toMatchObject({
      requests: 1,
      deniedRequests: 0,
      netBytesIn: 15,
      hostCalls: 1,
    })
  })

  it.each([
    ['a host outside the allowlist', 'http://evil.test:PORT/', 'domain_not_allowed'],
    ['the metadata address', 'http://169.254.169.254/', 'private_address'],
    ['loopback in decimal', 'http://2130706433/', 'domain_not_allowed|private_address'],
  ])('refuses %s', async (_what, url, reason) => {
    const sb = await sandbox(tier, allowed())
    const result = await sb.execute(request({ code: fetchUrl(url.replace('PORT', String(port))) }))
    expect((result.value as { error: string }).error).toMatch(
      new RegExp(`^PolicyDeniedError: Network request denied: (${reason})$`),
    )
  })
})
