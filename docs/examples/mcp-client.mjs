// sandtier as an MCP server: what an MCP client config runs (`sandtier mcp`), driven here by the SDK's Client.
import assert from 'node:assert/strict'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'

const client = new Client({ name: 'example', version: '1.0.0' })
await client.connect(
  new StdioClientTransport({
    command: process.execPath,
    args: ['bin/sandtier.js', 'mcp'],
    stderr: 'inherit',
  }),
)
const { tools } = await client.listTools()
assert.ok(tools.some((t) => t.name === 'run_code'))
const result = await client.callTool({
  name: 'run_code',
  arguments: { code: 'input.n * 2', input: { n: 21 } },
})
assert.equal(result.structuredContent.value, 42)
console.log(result.content[0].text)
await client.close()
