/**
 * `sandtier mcp --http`: Streamable HTTP on /mcp, one MCP session per client. A client's session ends on
 * DELETE, when it drops a response stream while a call is running (it went away mid-run), or after
 * `idleMs` unused; its calls are cancelled and its sandbox sessions destroyed then.
 */
import { randomUUID } from 'node:crypto'
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js'
import type { Tools } from '../tools/index.js'
import { checkListenOptions, refuseReason } from './http-guard.js'
import { createConnectionServer } from './server.js'

export interface HttpOptions {
  /** @default '127.0.0.1' */
  host?: string
  /** @default 0 (a free port) */
  port?: number
  /** Required for an address other than loopback. */
  token?: string
  /** Largest request body. @default 32 MiB */
  maxBodyBytes?: number
}

export interface McpHttpServer {
  /** http://host:port/mcp */
  readonly url: string
  /** MCP sessions open now. */
  readonly connections: number
  close(): Promise<void>
}

interface Connection {
  transport: StreamableHTTPServerTransport
  lastUsedMs: number
}

/** @throws ConfigError when listening off loopback without a token. */
export async function serveHttp(tools: Tools, options: HttpOptions = {}): Promise<McpHttpServer> {
  const host = options.host ?? '127.0.0.1'
  checkListenOptions(host, options.token)
  const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024
  const connections = new Map<string, Connection>()
  const listen = { host, port: 0, token: options.token }

  const http: HttpServer = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) reply(res, 500, err instanceof Error ? err.message : String(err))
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = refuseReason(req, listen)
    if (refused) return reply(res, refused.status, refused.message)
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp')
      return reply(res, 404, 'not found: use /mcp')
    const sessionId = req.headers['mcp-session-id']
    const body = req.method === 'POST' ? await readJson(req, maxBodyBytes) : undefined
    let connection = typeof sessionId === 'string' ? connections.get(sessionId) : undefined
    if (connection === undefined) {
      if (sessionId !== undefined || !isInitializeRequest(body))
        return reply(res, sessionId === undefined ? 400 : 404, 'unknown or missing MCP session')
      connection = await open()
    }
    connection.lastUsedMs = Date.now()
    const transport = connection.transport
    // A client that drops the stream of a call it is waiting for has gone away: end its session.
    res.on('close', () => {
      if (!res.writableFinished && req.method === 'POST') void transport.close()
    })
    await transport.handleRequest(req, res, body)
  }

  async function open(): Promise<Connection> {
    const connection: Connection = {
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) => {
          connections.set(id, connection)
        },
      }),
      lastUsedMs: Date.now(),
    }
    const owner = randomUUID()
    const server = createConnectionServer(tools, owner)
    const onclose = server.onclose
    server.onclose = () => {
      onclose?.()
      const id = connection.transport.sessionId
      if (id !== undefined) connections.delete(id)
    }
    await server.connect(connection.transport)
    return connection
  }

  // MCP sessions a client forgot (no DELETE) end after the tools' session idle time.
  const idleMs = tools.config.sessions.idleMs
  const sweep = setInterval(
    () => {
      for (const c of connections.values())
        if (Date.now() - c.lastUsedMs > idleMs) void c.transport.close()
    },
    Math.min(idleMs, 60_000),
  )
  sweep.unref()

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port ?? 0, host, () => resolve())
  })
  listen.port = (http.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${listen.port}/mcp`,
    get connections() {
      return connections.size
    },
    async close() {
      clearInterval(sweep)
      await Promise.all([...connections.values()].map((c) => c.transport.close()))
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }))
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBytes) throw new Error(`request body larger than ${maxBytes} bytes`)
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch {
    return undefined
  }
}
