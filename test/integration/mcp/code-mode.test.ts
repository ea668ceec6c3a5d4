import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'
import { codeMode, type CodeMode, type CodeTool } from '../../../src/tools/index.js'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const pair = {
  type: 'object',
  properties: { a: { type: 'number', description: 'first' }, b: { type: 'number' } },
  required: ['a', 'b'],
  additionalProperties: false,
}
let pending = 0
const tools: CodeTool[] = [
  {
    name: 'add',
    description: 'Adds two numbers',
    inputSchema: pair,
    execute: (args) => (args as { a: number; b: number }).a + (args as { b: number }).b,
  },
  {
    name: 'explode',
    inputSchema: { type: 'object' },
    execute: () => Promise.reject(new Error('the tool broke')),
  },
  {
    name: 'never',
    inputSchema: { type: 'object' },
    execute: (_args, { signal }) => {
      pending++
      signal.addEventListener('abort', () => pending--)
      return new Promise(() => undefined)
    },
  },
]

describe('code mode with plain async functions (issue 16)', () => {
  let manager: SandboxManager
  let cm: CodeMode

  beforeAll(async () => {
    manager = new SandboxManager()
    cm = await codeMode({ tools, manager, toolCalls: { callTimeoutMs: 300, maxCalls: 5 } })
  })
  afterAll(async () => {
    await cm.close()
    await manager.close()
  })

  it('I16-20: a TypeScript program calls a tool as a typed async function', async () => {
    const r = await cm.run('const s: number = await tools.add({ a: 2, b: 3 }); s * input.k', {
      input: { k: 10 },
    })
    expect(r).toMatchObject({ status: 'ok', value: 50, tier: 'quickjs', toolCalls: 1 })
  })

  it('I16-21: the declarations type each tool from its schema', () => {
    expect(cm.declarations).toContain('add(args: {')
    expect(cm.declarations).toContain('/** first */')
    expect(cm.declarations).toMatch(/a: number\n\s+b: number\n/)
  })

  it('I16-22: arguments that fail the schema throw in the program, the tool never runs', async () => {
    const r = await cm.run('await tools.add({ a: "1" })')
    expect(r.status).toBe('error')
    expect(r.error?.message).toBe(
      "add: invalid arguments: data must have required property 'b', data/a must be number",
    )
  })

  it('I16-23: a tool that throws is an error the program can catch', async () => {
    const r = await cm.run('try { await tools.explode() } catch (e) { `${e.name}: ${e.message}` }')
    expect(r.value).toBe('ToolError: explode failed: the tool broke')
  })

  it('I16-24: a tool that never answers is given up after callTimeoutMs, its signal aborted', async () => {
    const started = Date.now()
    const r = await cm.run('try { await tools.never() } catch (e) { e.message }')
    expect(r.value).toBe('never: no answer within 300 ms')
    expect(Date.now() - started).toBeLessThan(300 + 2000)
    expect(pending).toBe(0)
  })

  it('I16-25: calls past maxCalls are refused', async () => {
    const r = await cm.run('for (let i = 0; i < 6; i++) await tools.add({ a: i, b: 0 })')
    expect(r.error?.message).toBe('more than 5 tool calls in one run')
  })
})

describe('code mode over an MCP client connection (issue 16)', () => {
  it("I16-26: a program calls sandtier's own MCP tools, listed from the connection", async () => {
    const client = new Client({ name: 'code-mode', version: '1.0.0' })
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['bin/sandtier.js', 'mcp'],
        cwd: repo,
        stderr: 'pipe',
      }),
    )
    const cm = await codeMode({ tools: client })
    try {
      expect(cm.toolNames).toContain('run_code')
      expect(cm.declarations).toContain('run_code(args: {')
      const r = await cm.run(
        'const out: any = await tools.run_code({ code: "6 * 7" }); out.value + 1',
      )
      expect(r).toMatchObject({ status: 'ok', value: 43, toolCalls: 1 })
      const bad = await cm.run('await tools.run_code({ code: 1 })')
      expect(bad.error?.message).toBe('run_code: invalid arguments: data/code must be string')
    } finally {
      await cm.close()
      await client.close()
    }
  })
})
