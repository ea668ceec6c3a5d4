/** One-shot `run(request, options)`: create a sandbox, execute, destroy. */
import { RUN_KEYS, type SandboxConfig } from './config.js'
import { SandboxManager } from './manager/sandbox-manager.js'
import type { ExecRequest, ExecResult } from './types.js'

/** A SandboxConfig plus the per-run fields of an ExecRequest. */
export type RunOptions = SandboxConfig &
  Pick<
    ExecRequest,
    'input' | 'stdin' | 'timeoutMs' | 'signal' | 'fn' | 'args' | 'onOutput' | 'files'
  >

let shared: SandboxManager | undefined

/** The process-wide manager behind run(): its warm workers make repeated one-shot runs cheap. */
function sharedManager(): SandboxManager {
  shared ??= new SandboxManager()
  return shared
}

/**
 * Runs code once in the lightest tier that can run it and returns the result.
 * @example
 * const r = await run('input.a + 1', { input: { a: 41 } }) // r.value === 42, r.tier === 'quickjs'
 * @throws ConfigError for invalid options; TierUnavailableError when no tier can run the request.
 */
export async function run(
  request: string | ExecRequest,
  options: RunOptions = {},
): Promise<ExecResult> {
  const config: SandboxConfig & Record<string, unknown> = {}
  const perRun: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options))
    (RUN_KEYS.has(key) ? perRun : config)[key] = value
  if (
    typeof request === 'object' &&
    request !== null &&
    request.language !== undefined &&
    options.language === undefined
  )
    config['language'] = request.language
  const req: ExecRequest =
    typeof request === 'string' ? { ...perRun, code: request } : { ...perRun, ...request }
  return sharedManager().runOnce(config, req)
}

/** Shuts down the workers and containers that run() keeps warm (for clean process exit in tests). */
export async function closeSharedManager(): Promise<void> {
  const manager = shared
  shared = undefined
  await manager?.close()
}
