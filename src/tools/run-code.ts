/**
 * run_code: the code runs in a session's sandbox, or in a fresh sandbox made for the call and destroyed
 * after it. The call's signal cancels the run (status 'cancelled'); output streams to `onOutput`.
 */
import { ConfigError, type ExecRequest, type SandboxManager } from '../index.js'
import type { OutputChunk } from '../types.js'
import { sandboxConfigFor, type SandboxArguments } from './call-limits.js'
import { decodeFileArgument } from './session-files.js'
import type { SessionRegistry } from './sessions.js'
import { execResultToToolResult, type ToolResult } from './tool-result.js'
import type { ResolvedToolsConfig } from './tools-config.js'

export interface RunCodeArguments extends SandboxArguments {
  code: string
  input?: unknown
  sessionId?: string
  timeoutMs?: number
  files?: Record<string, unknown>
}

export interface RunCodeContext {
  owner: string
  signal: AbortSignal | undefined
  onOutput: ((chunk: OutputChunk) => void) | undefined
}

export async function runCode(
  manager: SandboxManager,
  sessions: SessionRegistry,
  server: ResolvedToolsConfig,
  args: RunCodeArguments,
  context: RunCodeContext,
): Promise<ToolResult> {
  const request: ExecRequest = { code: args.code }
  if (args.input !== undefined) request.input = args.input
  if (args.timeoutMs !== undefined) request.timeoutMs = args.timeoutMs
  if (context.signal) request.signal = context.signal
  if (context.onOutput) request.onOutput = context.onOutput
  if (args.files !== undefined)
    request.files = Object.fromEntries(
      Object.entries(args.files).map(([path, value]) => [path, decodeFileArgument(path, value)]),
    )
  if (args.sessionId !== undefined) {
    if (args.limits !== undefined || args.tier !== undefined)
      throw new ConfigError(
        args.limits !== undefined ? 'limits' : 'tier',
        'nothing with sessionId: a session keeps the tier and limits of create_session',
        args.limits ?? args.tier,
      )
    if (args.language !== undefined) request.language = args.language
    const result = await sessions.use(context.owner, args.sessionId, (id) =>
      manager.execute(id, request),
    )
    return execResultToToolResult(result)
  }
  const sandbox = await manager.create(sandboxConfigFor(args, server))
  try {
    return execResultToToolResult(await sandbox.execute(request))
  } finally {
    await sandbox.destroy()
  }
}
