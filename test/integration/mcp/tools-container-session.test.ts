/**
 * create_session on a container tier keeps the guest's globals between run_code calls, as it does on the
 * in-process tiers: the tools ask the container for its live interpreter (`session: true`, issue 15).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'
import { createTools, type Tools } from '../../../src/tools/index.js'
import { KINDS } from '../../fixtures/sandtier.js'

describe.each(KINDS)('I15-S9: tool sessions on %s', (kind) => {
  let manager: SandboxManager
  let tools: Tools

  beforeAll(() => {
    manager = new SandboxManager()
    tools = createTools({ manager, config: { tiers: ['quickjs', kind] } })
  })
  afterAll(async () => {
    await tools.close()
    await manager.close()
  })

  it.each([
    ['python', 'n = 41', 'n + 1'],
    ['javascript', 'globalThis.n = 41', 'n + 1'],
  ])('a %s session keeps its globals between run_code calls', async (language, first, second) => {
    const s = await tools.call('create_session', { language, tier: kind })
    expect(s.isError).toBe(false)
    const sessionId = s.structuredContent?.['sessionId'] as string
    const one = await tools.call('run_code', { sessionId, code: first })
    expect(one.structuredContent).toMatchObject({ status: 'ok', tier: kind })
    const two = await tools.call('run_code', { sessionId, code: second })
    expect(two.structuredContent).toMatchObject({ status: 'ok', tier: kind, value: 42 })
    await tools.call('close_session', { sessionId })
  })
})
