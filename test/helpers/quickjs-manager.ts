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
  const runOnce = async (
    request: string | ExecRequest,
    config: SandboxConfig = {},
  ): Promise<ExecResult> => {
    const id = await manager.createSandbox({ type: 'quickjs', ...config })
    try {
      return await manager.execute(id, request)
    } finally {
      await manager.destroy(id)
    }
  }
  return { manager, runOnce }
}
