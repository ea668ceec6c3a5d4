/**
 * One MCP connection: a low-level SDK Server whose tools are sandtier/tools' definitions and dispatcher.
 * The connection is the owner of the sessions it makes; when it closes, its calls in flight are
 * cancelled and its sessions destroyed.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js'
import { TOOL_NAMES, type Tools } from '../tools/index.js'
import { progressReporter } from './progress.js'

export const SERVER_NAME = 'sandtier'
export const SERVER_VERSION = '0.1.0'

/**
 * A Server for one client, not yet connected to a transport.
 * @param owner the name its sessions are kept under (the stdio process, an HTTP session id).
 */
export function createConnectionServer(tools: Tools, owner: string): Server {
  const server = new Server(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: { tools: {} },
      instructions:
        'Runs untrusted code in isolated sandboxes (QuickJS-in-WASM, WASI, containers). Use run_code for ' +
        'one-off programs; create_session for state kept between runs.',
    },
  )
  const connection = new AbortController()
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: tools.definitions }))
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args } = request.params
    // An unknown tool is the client's protocol error (InvalidParams), as the MCP spec asks; bad
    // arguments are a tool result with isError, so a model can read what to fix.
    if (!(TOOL_NAMES as readonly string[]).includes(name))
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown tool: ${name} (tools: ${TOOL_NAMES.join(', ')})`,
      )
    const progressToken = request.params._meta?.progressToken
    const progress =
      progressToken === undefined
        ? undefined
        : progressReporter(progressToken, extra.sendNotification)
    const result = await tools.call(name, args ?? {}, {
      owner,
      signal: AbortSignal.any([extra.signal, connection.signal]),
      ...(progress ? { onOutput: progress.onOutput } : {}),
    })
    await progress?.sent()
    return { ...result }
  })
  server.onclose = () => {
    connection.abort(new Error('the MCP connection closed'))
    void tools.closeOwner(owner).catch(() => undefined)
  }
  return server
}
