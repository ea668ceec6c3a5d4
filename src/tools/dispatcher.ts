/**
 * The tools as one object: their definitions, and `call(name, args)` that checks the arguments against
 * the definition's schema, takes a call slot, and runs the tool on the manager. MCP's server and
 * function-calling loops both call it; a failure is an `isError` result, never a throw, except for an
 * unknown tool name (a caller's bug, not a model's).
 */
import { SandboxManager, ValidationError } from '../index.js'
import type { OutputChunk } from '../types.js'
import { sandboxConfigFor, sessionConfigFor } from './call-limits.js'
import { TOOL_NAMES, toolDefinitions, type ToolDefinition, type ToolName } from './definitions.js'
import { compileSchema, type ArgumentCheck } from './json-schema.js'
import { CallSlots } from './call-slots.js'
import { runCode, type RunCodeArguments } from './run-code.js'
import { listSessionFiles, readSessionFile, writeSessionFile } from './session-files.js'
import { SessionRegistry } from './sessions.js'
import { dataResult, errorResult, type ToolResult } from './tool-result.js'
import { resolveToolsConfig, type ResolvedToolsConfig, type ToolsConfig } from './tools-config.js'

export interface ToolsOptions {
  /** The server configuration: tiers, limits, policy, session caps, concurrent calls. */
  config?: ToolsConfig
  /** The manager to run on; one is made (and closed by close()) when not given. */
  manager?: SandboxManager
}

export interface ToolCallContext {
  /** Who calls: sessions belong to one owner and are invisible to others. @default 'local' */
  owner?: string
  /** Cancels the call: a run ends 'cancelled'. */
  signal?: AbortSignal
  /** run_code's output as the guest writes it. */
  onOutput?: (chunk: OutputChunk) => void
}

export class UnknownToolError extends ValidationError {
  override name = 'UnknownToolError'
  constructor(name: string) {
    super(`Unknown tool "${name}": the tools are ${TOOL_NAMES.join(', ')}`)
  }
}

export interface Tools {
  readonly definitions: ToolDefinition[]
  readonly config: ResolvedToolsConfig
  readonly manager: SandboxManager
  /** @throws UnknownToolError for a name that is not one of the tools; every other failure is a result. */
  call(name: string, args: unknown, context?: ToolCallContext): Promise<ToolResult>
  /** Closes the sessions of one owner (a client that went away). */
  closeOwner(owner: string): Promise<void>
  /** Closes every session, and the manager if createTools made it. */
  close(): Promise<void>
}

/**
 * The tools for one server configuration.
 * @throws ConfigError for an invalid configuration.
 * @example
 * const tools = createTools({ config: { tiers: ['quickjs'] } })
 * const r = await tools.call('run_code', { code: '1 + 1' }) // r.content[0].text === '2'
 */
export function createTools(options: ToolsOptions = {}): Tools {
  const config = resolveToolsConfig(options.config)
  const manager = options.manager ?? new SandboxManager()
  const sessions = new SessionRegistry(manager, config.sessions)
  const slots = new CallSlots(config.calls.maxConcurrent, config.calls.maxQueued)
  const definitions = toolDefinitions(config)
  const checks = new Map<string, ArgumentCheck>(
    definitions.map((d) => [d.name, compileSchema(d.inputSchema)]),
  )

  async function dispatch(
    name: ToolName,
    args: Record<string, unknown>,
    context: ToolCallContext,
  ): Promise<ToolResult> {
    const owner = context.owner ?? 'local'
    const sessionId = args['sessionId'] as string
    switch (name) {
      case 'run_code':
        return runCode(manager, sessions, config, args as unknown as RunCodeArguments, {
          owner,
          signal: context.signal,
          onOutput: context.onOutput,
        })
      case 'create_session': {
        const id = await sessions.create(owner, sessionConfigFor(sandboxConfigFor(args, config)))
        return dataResult({ sessionId: id, idleMs: config.sessions.idleMs })
      }
      case 'close_session':
        await sessions.close(owner, sessionId)
        return dataResult({ closed: sessionId })
      case 'write_file':
        return sessions.use(owner, sessionId, (id) =>
          writeSessionFile(manager, id, args as { path: string }),
        )
      case 'read_file':
        return sessions.use(owner, sessionId, (id) =>
          readSessionFile(manager, id, args as { path: string }),
        )
      case 'list_files':
        return sessions.use(owner, sessionId, (id) => listSessionFiles(manager, id, args))
      case 'list_runtimes':
        return dataResult({ runtimes: await runtimes(manager, config) })
    }
  }

  return {
    definitions,
    config,
    manager,
    async call(name, args, context = {}) {
      const check = checks.get(name)
      if (check === undefined) throw new UnknownToolError(name)
      const given = args ?? {}
      const verdict = check(given)
      if (!verdict.ok)
        return errorResult(new ValidationError(`Invalid arguments for ${name}`, [verdict.message]))
      try {
        return await slots.run(
          () => dispatch(name as ToolName, given as Record<string, unknown>, context),
          context.signal,
        )
      } catch (err) {
        return errorResult(err)
      }
    },
    closeOwner: (owner) => sessions.closeOwner(owner),
    async close() {
      await Promise.all(sessions.owners().map((owner) => sessions.closeOwner(owner)))
      if (options.manager === undefined) await manager.close()
    },
  }
}

async function runtimes(
  manager: SandboxManager,
  config: ResolvedToolsConfig,
): Promise<Record<string, unknown>[]> {
  const availability = await manager.availability()
  const { TIER_LANGUAGES } = await import('../tiers/index.js')
  return config.tiers.map((tier) => ({
    tier,
    languages: TIER_LANGUAGES[tier],
    ...availability[tier],
  }))
}
