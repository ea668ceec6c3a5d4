/** A SandboxManager for QuickJS tests, closed after the file; asserts no worker is left running. */
import { afterAll } from 'vitest'
import { SandboxManager } from '../../src/index.js'
import type { SandboxConfig, ExecRequest, ExecResult } from '../../src/index.js'

export function useQuickJsManager(workers = 2): {
  manager: SandboxManager
  runOnce: (request: string | ExecRequest, config?: SandboxConfig) => Promise<ExecResult>
} {
  const manager = new SandboxManager({ tiers: { quickjs: { workers, spareWorkers: 1 } } })
  afterAll(async () => {
    await manager.close()
  })
  // What run() does: create, execute as the last run (the worker frees the guest with its reply), destroy.
  const runOnce = (
    request: string | ExecRequest,
    config: SandboxConfig = {},
  ): Promise<ExecResult> => manager.runOnce({ type: 'quickjs', ...config }, request)
  return { manager, runOnce }
}
