/**
 * Code mode's tools from an MCP client connection: every tool the server lists, called through the
 * connection (with the run's signal, so a cancelled run cancels the call on the server). A tool's result
 * is its structured content when it has one, else its text (parsed when it is JSON).
 */
import type { CodeTool } from './tool-bridge.js'

/** The part of the SDK's Client code mode uses. */
export interface McpToolClient {
  listTools(params?: { cursor?: string }): Promise<{
    tools: { name: string; description?: string; inputSchema: object; outputSchema?: object }[]
    nextCursor?: string
  }>
  callTool(
    params: { name: string; arguments?: Record<string, unknown> },
    resultSchema?: undefined,
    options?: { signal?: AbortSignal; timeout?: number },
  ): Promise<unknown>
}

export function isMcpToolClient(value: unknown): value is McpToolClient {
  const v = value as Partial<McpToolClient> | null
  return typeof v?.listTools === 'function' && typeof v.callTool === 'function'
}

const MAX_PAGES = 100

export async function toolsFromMcpClient(client: McpToolClient): Promise<CodeTool[]> {
  const tools: CodeTool[] = []
  let cursor: string | undefined
  for (let page = 0; page < MAX_PAGES; page++) {
    const listed = await client.listTools(cursor === undefined ? {} : { cursor })
    for (const tool of listed.tools)
      tools.push({
        name: tool.name,
        description: tool.description,
        inputSchema: tool.inputSchema as Record<string, unknown>,
        outputSchema: tool.outputSchema as Record<string, unknown> | undefined,
        execute: async (args, { signal }) =>
          resultValue(
            tool.name,
            await client.callTool(
              { name: tool.name, arguments: args as Record<string, unknown> },
              undefined,
              {
                signal,
              },
            ),
          ),
      })
    cursor = listed.nextCursor
    if (cursor === undefined) break
  }
  return tools
}

function resultValue(name: string, result: unknown): unknown {
  const r = result as {
    isError?: boolean
    structuredContent?: unknown
    content?: { type: string; text?: string }[]
  }
  const text = (r.content ?? [])
    .filter((c) => c.type === 'text')
    .map((c) => c.text ?? '')
    .join('\n')
  if (r.isError === true) throw new Error(text || `tool ${name} failed`)
  if (r.structuredContent !== undefined) return r.structuredContent
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}
