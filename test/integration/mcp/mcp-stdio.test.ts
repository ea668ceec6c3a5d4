import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { ProgressNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FIELD_RANGES } from '../../../src/config/field-ranges.js'

// The real command (`node bin/sandtier.js mcp`, built dist/) driven by the SDK's own Client over stdio.
const repo = fileURLToPath(new URL('../../../', import.meta.url))
const configDir = mkdtempSync(join(tmpdir(), 'sandtier-mcp-'))
const configPath = join(configDir, 'server.json')
writeFileSync(
  configPath,
  JSON.stringify({
    tiers: ['quickjs', 'docker'],
    trust: 'trusted',
    limits: { memory: 64 << 20, executionTime: 20_000 },
    sessions: { maxPerClient: 2 },
  }),
)

async function connect(): Promise<{ client: Client; transport: StdioClientTransport }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['bin/sandtier.js', 'mcp', '--config', configPath],
    cwd: repo,
    stderr: 'pipe',
  })
  const client = new Client({ name: 'sandtier-test', version: '1.0.0' })
  await client.connect(transport)
  return { client, transport }
}

type ToolResultShape = {
  isError?: boolean
  content: { type: string; text?: string }[]
  structuredContent?: Record<string, unknown>
}

describe('sandtier mcp over stdio (issue 16)', () => {
  let client: Client

  beforeAll(async () => {
    client = (await connect()).client
  })
  afterAll(async () => {
    await client.close()
  })

  it('I16-1: lists the seven tools, their number ranges from the library table', async () => {
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual([
      'run_code',
      'create_session',
      'close_session',
      'write_file',
      'read_file',
      'list_files',
      'list_runtimes',
    ])
    const run = tools[0]?.inputSchema as { properties: Record<string, Record<string, unknown>> }
    expect(run.properties['timeoutMs']).toMatchObject({
      minimum: FIELD_RANGES.timeoutMs.min,
      maximum: FIELD_RANGES.timeoutMs.max,
    })
  })

  it('I16-2: run_code 1+1 on quickjs answers 2 with the ExecResult as structured content', async () => {
    const r = (await client.callTool({
      name: 'run_code',
      arguments: { code: '1+1' },
    })) as ToolResultShape
    expect(r.content).toEqual([{ type: 'text', text: '2' }])
    expect(r.structuredContent).toMatchObject({ status: 'ok', value: 2, tier: 'quickjs' })
  })

  it('I16-3: output streams as progress notifications when the client sent a progressToken', async () => {
    // Every progress notification, read by a handler of our own: the SDK's `onprogress` runs a microtask after
    // the notification is read, while the response is handled at once, so a last notification read in the
    // same chunk as the result (a loaded machine coalesces the pipe) found its handler gone and was dropped.
    // This handler sees it all the same; one sent after the result would still come too late for the check.
    const messages: string[] = []
    client.setNotificationHandler(ProgressNotificationSchema, (n) => {
      messages.push(n.params.message ?? '')
    })
    await client.callTool(
      {
        name: 'run_code',
        arguments: {
          code: 'console.log("a"); await new Promise(r => setTimeout(r, 50)); console.log("b")',
        },
      },
      undefined,
      { onprogress: () => undefined },
    )
    expect(messages.join('')).toBe('a\nb\n')
  })

  it('I16-4: an unknown tool is an MCP InvalidParams error', async () => {
    await expect(client.callTool({ name: 'rm_rf', arguments: {} })).rejects.toMatchObject({
      code: -32602,
    })
  })

  it('I16-5: arguments that fail the schema are an isError result naming the field', async () => {
    const r = (await client.callTool({
      name: 'run_code',
      arguments: { code: 42 },
    })) as ToolResultShape
    expect(r.isError).toBe(true)
    expect(r.content[0]?.text).toBe(
      'ValidationError: Invalid arguments for run_code: data/code must be string',
    )
  })

  it("I16-6: a call raising a limit past the server's is refused", async () => {
    const r = (await client.callTool({
      name: 'run_code',
      arguments: { code: '1', limits: { memory: 128 << 20 } },
    })) as ToolResultShape
    expect(r.isError).toBe(true)
    expect(r.structuredContent).toMatchObject({
      error: { name: 'ConfigError', code: 'ERR_CONFIG' },
    })
    expect(r.content[0]?.text).toContain('limits.memory')
  })

  it('I16-7: a guest error is an isError result with the guest status', async () => {
    const r = (await client.callTool({
      name: 'run_code',
      arguments: { code: 'throw new TypeError("no")' },
    })) as ToolResultShape
    expect(r.isError).toBe(true)
    expect(r.structuredContent).toMatchObject({
      status: 'error',
      error: { name: 'TypeError', message: 'no' },
    })
  })

  it('I16-8: a session keeps globals between calls; the client cap holds; closed sessions are gone', async () => {
    const ids: string[] = []
    for (let i = 0; i < 2; i++) {
      const s = (await client.callTool({
        name: 'create_session',
        arguments: {},
      })) as ToolResultShape
      ids.push(s.structuredContent?.['sessionId'] as string)
    }
    const third = (await client.callTool({
      name: 'create_session',
      arguments: {},
    })) as ToolResultShape
    expect(third.structuredContent).toMatchObject({ error: { name: 'CapacityError' } })
    await client.callTool({
      name: 'run_code',
      arguments: { code: 'globalThis.n = 20', sessionId: ids[0] },
    })
    const r = (await client.callTool({
      name: 'run_code',
      arguments: { code: 'n + 1', sessionId: ids[0] },
    })) as ToolResultShape
    expect(r.structuredContent?.['value']).toBe(21)
    for (const id of ids)
      await client.callTool({ name: 'close_session', arguments: { sessionId: id } })
    const gone = (await client.callTool({
      name: 'run_code',
      arguments: { code: 'n', sessionId: ids[0] },
    })) as ToolResultShape
    expect(gone.structuredContent).toMatchObject({ error: { name: 'SandboxNotFoundError' } })
  })

  it('I16-9: run_code python on the docker tier', async () => {
    const r = (await client.callTool({
      name: 'run_code',
      arguments: { code: 'print(6 * 7)', language: 'python', tier: 'docker' },
    })) as ToolResultShape
    expect(r.structuredContent).toMatchObject({ status: 'ok', tier: 'docker', stdout: '42\n' })
  })

  it('I16-10: a tier the server does not serve is refused', async () => {
    const r = (await client.callTool({
      name: 'run_code',
      arguments: { code: '1', tier: 'gvisor' },
    })) as ToolResultShape
    expect(r.isError).toBe(true)
    expect(r.content[0]?.text).toContain('data/tier must be equal to one of the allowed values')
  })
})

describe('sandtier mcp over stdio: the client goes away mid-run (issue 16)', () => {
  it.each([
    ['quickjs', { code: 'while (true) {}' }],
    ['docker', { code: 'sleep 60', language: 'shell', tier: 'docker' }],
  ])(
    'I16-11: closing the transport during a %s run ends the server and its run',
    async (_tier, args) => {
      const { client, transport } = await connect()
      const pid = transport.pid
      expect(pid).not.toBeNull()
      const started = Date.now()
      const call = client.callTool({ name: 'run_code', arguments: args }).catch((e: unknown) => e)
      // The run is under way once the server has answered a second request behind it (calls run at once).
      await client.listTools()
      await client.close()
      await call
      // The server process exits (its manager closed: workers and containers gone) long before the run's 20 s.
      await waitForExit(pid as number)
      expect(Date.now() - started).toBeLessThan(15_000)
    },
  )
})

async function waitForExit(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0)
    } catch {
      return
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}
