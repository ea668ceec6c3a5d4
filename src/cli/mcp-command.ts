/**
 * `sandtier mcp [--config server.json] [--http [--host 127.0.0.1] [--port 3333]]`: sandtier's tools over
 * the Model Context Protocol. The bearer token for HTTP comes from the environment (SANDTIER_MCP_TOKEN),
 * never from the command line, where other users of the machine could read it.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { serveHttp } from '../mcp/http.js'
import { serveStdio } from '../mcp/stdio.js'
import { createTools } from '../tools/index.js'
import { USAGE_EXIT_CODE } from './exit-codes.js'

export const MCP_USAGE = `  sandtier mcp [--config server.json] [--http [--host 127.0.0.1] [--port 3333]]
               (HTTP off loopback needs SANDTIER_MCP_TOKEN, sent as "Authorization: Bearer <token>")`

export async function mcpCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      http: { type: 'boolean' },
      host: { type: 'string' },
      port: { type: 'string' },
    },
  })
  const config: unknown =
    values.config === undefined ? {} : JSON.parse(await readFile(values.config, 'utf8'))
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`sandtier mcp: --port must be a port number, received ${values.port}\n`)
    return USAGE_EXIT_CODE
  }
  const tools = createTools({ config: config as never })
  try {
    if (values.http !== true) {
      await serveStdio(tools)
      return 0
    }
    const server = await serveHttp(tools, {
      host: values.host ?? '127.0.0.1',
      port,
      token: process.env['SANDTIER_MCP_TOKEN'],
    })
    process.stderr.write(`sandtier mcp: listening on ${server.url}\n`)
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await server.close()
    return 0
  } finally {
    await tools.close()
  }
}
