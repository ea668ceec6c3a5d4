/**
 * The manager is the one place that checks a language (issue 13): at createSandbox against the chosen
 * tier, and at execute against the sandbox's `languages`. The tiers no longer check it again.
 */
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/index.js'
import { useFileManager } from '../../fixtures/sandtier.js'

const { manager } = useFileManager({ tiers: { quickjs: { workers: 1 } } })

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

describe('manager: one language check', () => {
  it.each([
    ['wasm', 'python'],
    ['quickjs', 'assemblyscript'],
    ['docker', 'wasm'],
  ] as const)(
    'createSandbox({ type: %s, language: %s }) rejects naming language',
    async (type, language) => {
      const error = await rejection(manager.createSandbox({ type, language }))
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).option).toBe('language')
    },
  )

  it('execute() with a language the sandbox does not run rejects naming language, and nothing runs', async () => {
    const id = await manager.createSandbox({ type: 'quickjs' })
    try {
      const error = await rejection(manager.execute(id, { code: 'print(1)', language: 'python' }))
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).option).toBe('language')
      expect((await manager.execute(id, '1 + 1')).value).toBe(2)
    } finally {
      await manager.destroy(id)
    }
  })
})
