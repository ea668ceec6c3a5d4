import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import * as root from '../../../src/index.js'
import { SandboxManager, Sandbox } from '../../../src/index.js'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const run = promisify(execFile)

/** What a consumer gets from the package by name: Node resolves `sandtier` through package.json exports. */
async function exportsOf(specifier: string): Promise<string[]> {
  const { stdout } = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).sort()))`,
    ],
    { cwd: repo },
  )
  return JSON.parse(stdout) as string[]
}

const ERRORS = [
  'CapacityError',
  'ConfigError',
  'EngineError',
  'FileError',
  'GuestError',
  'PolicyDeniedError',
  'ResourceExceededError',
  'SandboxClosedError',
  'SandboxError',
  'SandboxExpiredError',
  'SandboxNotFoundError',
  'SnapshotError',
  'TierUnavailableError',
  'ValidationError',
  'describeValue',
  'isSandboxError',
]

describe('the public surface (issue 14, item 6)', () => {
  it('the package root exports run, the manager and its handle, the policy, the limiter, iptables rules and the errors: nothing of the tiers', async () => {
    const expected = [
      ...ERRORS,
      'NetworkPolicy',
      'ResourceLimiter',
      'Sandbox',
      'SandboxManager',
      'closeSharedManager',
      'createIptablesRules',
      'run',
    ].sort()
    expect(Object.keys(root).sort()).toEqual(expected)
    expect(await exportsOf('sandtier')).toEqual(expected)
  })

  it('sandtier/tiers holds the tier contract and the concrete tiers, for plugging in a tier', async () => {
    expect(await exportsOf('sandtier/tiers')).toEqual([
      'DockerTier',
      'ENFORCEMENT',
      'GVisorTier',
      'PythonTier',
      'QuickJsTier',
      'TIER_LANGUAGES',
      'WasmTier',
      'resolveConfig',
      'resolveRequest',
    ])
  })
})

describe('the Sandbox handle (issue 14)', () => {
  it('manager.create returns a handle whose execute and destroy are the id-based methods', async () => {
    const manager = new SandboxManager()
    try {
      const sb = await manager.create({ type: 'quickjs' })
      expect(sb).toBeInstanceOf(Sandbox)
      expect(sb.tier).toBe('quickjs')
      expect(manager.list()).toEqual([sb.id])
      await sb.execute('globalThis.n = 41')
      // The handle and the id reach the same sandbox, state included.
      expect(await manager.execute(sb.id, 'n + 1')).toMatchObject({ status: 'ok', value: 42 })
      await sb.destroy()
      await sb.destroy()
      expect(manager.list()).toEqual([])
      await expect(sb.execute('1')).rejects.toMatchObject({ code: 'ERR_SANDBOX_NOT_FOUND' })
    } finally {
      await manager.close()
    }
  })

  it('await using destroys the sandbox when the block ends, also when it throws', async () => {
    const manager = new SandboxManager()
    const destroyed: string[] = []
    manager.on('destroy', ({ id }) => destroyed.push(id))
    let id = ''
    try {
      await expect(
        (async () => {
          await using sb = await manager.create({ type: 'quickjs' })
          id = sb.id
          expect((await sb.execute('1 + 1')).value).toBe(2)
          throw new Error('the block failed')
        })(),
      ).rejects.toThrow('the block failed')
      expect(destroyed).toEqual([id])
      expect(manager.list()).toEqual([])
    } finally {
      await manager.close()
    }
  })
})
