import { request } from 'node:http'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'
import { serveHttp, type McpHttpServer } from '../../../src/mcp/http.js'
import { createTools, type Tools } from '../../../src/tools/index.js'

// The HTTP server runs in this process on 127.0.0.1 (so the test can see its manager), driven by the
// SDK's own Client over Streamable HTTP.
type ToolResultShape = {
  isError?: boolean
  content: { type: string; text?: string }[]
  structuredContent?: Record<string, unknown>
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'sandtier-test', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(url)))
  return client
}

describe('sandtier mcp over Streamable HTTP (issue 16)', () => {
  let manager: SandboxManager
  let tools: Tools
  let server: McpHttpServer

  beforeAll(async () => {
    manager = new SandboxManager()
    tools = createTools({
      manager,
      config: {
        tiers: ['quickjs', 'docker'],
        trust: 'trusted',
        calls: { maxConcurrent: 2, maxQueued: 0 },
      },
    })
    server = await serveHttp(tools)
  })
  afterAll(async () => {
    await server.close()
    await tools.close()
    await manager.close()
  })

  it('I16-12: run_code 1+1 over HTTP on quickjs and shell on docker', async () => {
    const client = await connect(server.url)
    const r = (await client.callTool({
      name: 'run_code',
      arguments: { code: '1+1' },
    })) as ToolResultShape
    expect(r.content).toEqual([{ type: 'text', text: '2' }])
    const d = (await client.callTool({
      name: 'run_code',
      arguments: { code: 'echo $((6*7))', language: 'shell', tier: 'docker' },
    })) as ToolResultShape
    expect(d.structuredContent).toMatchObject({ status: 'ok', tier: 'docker', stdout: '42\n' })
    await client.close()
  })

  it("I16-13: a session id of another client is not found, and the other client's session lives on", async () => {
    const alice = await connect(server.url)
    const bob = await connect(server.url)
    const s = (await alice.callTool({ name: 'create_session', arguments: {} })) as ToolResultShape
    const sessionId = s.structuredContent?.['sessionId'] as string
    const r = (await bob.callTool({
      name: 'run_code',
      arguments: { code: '1', sessionId },
    })) as ToolResultShape
    expect(r.structuredContent).toMatchObject({ error: { name: 'SandboxNotFoundError' } })
    const closeByBob = (await bob.callTool({
      name: 'close_session',
      arguments: { sessionId },
    })) as ToolResultShape
    expect(closeByBob.isError).toBe(true)
    const mine = (await alice.callTool({
      name: 'run_code',
      arguments: { code: '2', sessionId },
    })) as ToolResultShape
    expect(mine.structuredContent).toMatchObject({ status: 'ok', value: 2 })
    // Ending the MCP session (DELETE) destroys the client's sessions.
    await (alice.transport as StreamableHTTPClientTransport).terminateSession()
    expect(manager.list()).not.toContain(sessionId)
    await alice.close()
    await bob.close()
  })

  it('I16-14: a client that goes away mid-run has its run cancelled and its sessions destroyed', async () => {
    const client = await connect(server.url)
    const s = (await client.callTool({ name: 'create_session', arguments: {} })) as ToolResultShape
    const sessionId = s.structuredContent?.['sessionId'] as string
    const destroyed = new Promise<string>((resolve) =>
      manager.once('destroy', ({ id }) => resolve(id)),
    )
    const started = new Promise<void>((resolve) => manager.once('execute:start', () => resolve()))
    const call = client
      .callTool({ name: 'run_code', arguments: { code: 'while (true) {}', sessionId } })
      .catch((e: unknown) => e)
    await started
    await client.close()
    await call
    expect(await destroyed).toBe(sessionId)
    expect(manager.list()).not.toContain(sessionId)
  })

  it('I16-15: calls past the concurrency bound are refused as busy', async () => {
    const client = await connect(server.url)
    const slow = {
      name: 'run_code',
      arguments: { code: 'const t = Date.now(); while (Date.now() - t < 1500) {}' },
    }
    const results = (await Promise.all([
      client.callTool(slow),
      client.callTool(slow),
      client.callTool(slow),
    ])) as ToolResultShape[]
    const busy = results.filter(
      (r) =>
        (r.structuredContent?.['error'] as { name?: string } | undefined)?.name === 'CapacityError',
    )
    expect(busy).toHaveLength(1)
    await client.close()
  })

  it('I16-16: a Host header that is not loopback (DNS rebinding) is refused', async () => {
    // fetch() will not send another Host: node:http does, as a rebinding page's request would arrive.
    const { port, pathname } = new URL(server.url)
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: pathname,
          method: 'POST',
          headers: { host: `evil.example:${port}` },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode)
        },
      )
      req.on('error', reject)
      req.end('{}')
    })
    expect(status).toBe(403)
  })
})

describe('sandtier mcp over HTTP off loopback (issue 16)', () => {
  it('I16-17: listening off loopback without a token is refused', async () => {
    const tools = createTools({ config: { tiers: ['quickjs'] } })
    await expect(serveHttp(tools, { host: '0.0.0.0' })).rejects.toMatchObject({
      code: 'ERR_CONFIG',
      option: 'token',
    })
    await tools.close()
  })

  it('I16-18: with a token, a request without it gets 401 and the SDK client with it works', async () => {
    const tools = createTools({ config: { tiers: ['quickjs'] } })
    const token = 'a-long-enough-test-token-0123456789'
    const server = await serveHttp(tools, { host: '0.0.0.0', token })
    const url = server.url.replace('0.0.0.0', '127.0.0.1')
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
    expect(res.status).toBe(401)
    const client = new Client({ name: 't', version: '1' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    )
    const r = (await client.callTool({
      name: 'run_code',
      arguments: { code: '3*3' },
    })) as ToolResultShape
    expect(r.structuredContent).toMatchObject({ value: 9 })
    await client.close()
    await server.close()
    await tools.close()
  })

  it('I16-19: a session unused for idleMs is closed', async () => {
    const manager = new SandboxManager()
    const tools = createTools({
      manager,
      config: { tiers: ['quickjs'], sessions: { idleMs: 200 } },
    })
    const s = await tools.call('create_session', {})
    const sessionId = s.structuredContent?.['sessionId'] as string
    await new Promise<void>((resolve) => manager.once('destroy', () => resolve()))
    const r = await tools.call('run_code', { code: '1', sessionId })
    expect(r.structuredContent).toMatchObject({ error: { name: 'SandboxNotFoundError' } })
    await tools.close()
    await manager.close()
  })
})
