/**
 * `sandtier mcp` over stdio: one client (the process that spawned us), one connection. The end of stdin
 * is the client going away: its calls are cancelled, its sessions destroyed, and the returned promise
 * resolves so the command can exit.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { Tools } from '../tools/index.js'
import { createConnectionServer } from './server.js'

export async function serveStdio(tools: Tools): Promise<void> {
  const server = createConnectionServer(tools, 'stdio')
  const closed = new Promise<void>((resolve) => {
    const onclose = server.onclose
    server.onclose = () => {
      onclose?.()
      resolve()
    }
  })
  // The SDK's stdio transport does not watch for the end of stdin; a client that exits ends it.
  process.stdin.once('end', () => void server.close())
  process.stdin.once('close', () => void server.close())
  await server.connect(new StdioServerTransport())
  await closed
}
