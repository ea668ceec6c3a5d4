/**
 * Code mode: instead of one tool call per model turn, the model writes a short TypeScript/JavaScript
 * program that calls the agent's tools as async functions (`await tools.search({ q })`), and the program
 * runs on quickjs. The tools run on the host, behind tool-bridge.ts's checks; the program is untrusted
 * like any guest and gets nothing but `tools`, `input` and the quickjs tier's globals.
 */
import { SandboxManager, type ExecResult, type ResourceLimit } from '../../index.js'
import { toolDeclarations } from './declarations.js'
import { isMcpToolClient, toolsFromMcpClient, type McpToolClient } from './mcp-source.js'
import {
  compileTools,
  createToolBridge,
  HOST_FUNCTION_NAME,
  type CodeTool,
  type ToolCallLimits,
} from './tool-bridge.js'

export interface CodeModeOptions {
  /** The agent's tools: an MCP client connection (its listed tools), or plain async functions. */
  tools: McpToolClient | readonly CodeTool[]
  /** The manager to run on; one is made (and closed by close()) when not given. */
  manager?: SandboxManager
  /** The program's limits. @default executionTime 30 s, memory 64 MiB */
  limits?: Pick<ResourceLimit, 'memory' | 'executionTime' | 'cpuTime' | 'maxOutputBytes'>
  /** Bounds of the tool calls of one run. */
  toolCalls?: ToolCallLimits
}

export interface CodeModeRunOptions {
  /** JSON value the program sees as the global `input`. */
  input?: unknown
  /** At most limits.executionTime. */
  timeoutMs?: number
  signal?: AbortSignal
}

export interface CodeMode {
  /** TypeScript declarations of `tools`, to put in the prompt. */
  readonly declarations: string
  readonly toolNames: readonly string[]
  /** Runs a program; resolves with the ExecResult for every outcome of the program (and `toolCalls`). */
  run(code: string, options?: CodeModeRunOptions): Promise<ExecResult & { toolCalls: number }>
  close(): Promise<void>
}

/**
 * Prepares code mode for a set of tools.
 * @example
 * const cm = await codeMode({ tools: [{ name: 'add', inputSchema, execute: ({ a, b }) => a + b }] })
 * const r = await cm.run('await tools.add({ a: 1, b: 2 })') // r.value === 3
 */
export async function codeMode(options: CodeModeOptions): Promise<CodeMode> {
  const tools = isMcpToolClient(options.tools)
    ? await toolsFromMcpClient(options.tools)
    : [...options.tools]
  const compiled = compileTools(tools)
  const manager = options.manager ?? new SandboxManager()
  const prelude = guestPrelude(tools.map((t) => t.name))
  return {
    declarations: toolDeclarations(tools),
    toolNames: tools.map((t) => t.name),
    async run(code, runOptions = {}) {
      const bridge = createToolBridge(compiled, options.toolCalls)
      const sandbox = await manager.create({
        type: 'quickjs',
        language: 'typescript',
        escalate: false,
        limits: { executionTime: 30_000, ...options.limits },
        hostFunctions: { [HOST_FUNCTION_NAME]: bridge.hostFunction },
      })
      try {
        const result = await sandbox.execute({
          code: `${prelude}${code}`,
          input: runOptions.input,
          ...(runOptions.timeoutMs === undefined ? {} : { timeoutMs: runOptions.timeoutMs }),
          ...(runOptions.signal === undefined ? {} : { signal: runOptions.signal }),
        })
        return { ...result, toolCalls: bridge.calls }
      } finally {
        await sandbox.destroy()
      }
    },
    async close() {
      if (options.manager === undefined) await manager.close()
    },
  }
}

// The guest side of `tools`: one line, so the program's line numbers stay as the model wrote them.
function guestPrelude(names: readonly string[]): string {
  return (
    `const tools = ((call, names) => { const t = Object.create(null); for (const n of names) ` +
    `t[n] = async (args) => { const r = await call(n, args === undefined ? {} : args); ` +
    `if (r !== null && typeof r === 'object' && r.ok === true) return r.value; ` +
    `const e = new Error(r !== null && typeof r === 'object' ? String(r.error) : 'tool call failed'); ` +
    `e.name = 'ToolError'; throw e }; return Object.freeze(t) })(${HOST_FUNCTION_NAME}, ${JSON.stringify(names)});`
  )
}
