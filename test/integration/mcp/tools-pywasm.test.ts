/**
 * The tools dispatcher serves the pywasm tier when the server's config lists it: Python calls run there first
 * (the lightest tier that runs Python), sessions are REPLs on it, list_runtimes reports it, and a language it
 * does not run is refused. Skipped, with the reason, where scripts/build-python-wasm.sh has not built CPython.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'
import { locatePythonWasm } from '../../../src/tiers/python/artifacts.js'
import { createTools, resolveToolsConfig, type Tools } from '../../../src/tools/index.js'

const status = await locatePythonWasm()

describe.skipIf(!status.available)('tools on the pywasm tier (issue 20)', () => {
  let manager: SandboxManager
  let tools: Tools

  beforeAll(() => {
    manager = new SandboxManager({ tiers: { pywasm: { maxWorkers: 1 } } })
    tools = createTools({ manager, config: { tiers: ['quickjs', 'pywasm', 'gvisor'] } })
  })
  afterAll(async () => {
    await tools.close()
    await manager.close()
  })

  it('run_code with language python runs on pywasm, not the container', async () => {
    const r = await tools.call('run_code', { language: 'python', code: 'print("hi")\n6 * 7' })
    expect(r.structuredContent).toMatchObject({
      status: 'ok',
      tier: 'pywasm',
      value: 42,
      stdout: 'hi\n',
    })
  })

  it('a python session keeps its globals between run_code calls', async () => {
    const s = await tools.call('create_session', { language: 'python' })
    const sessionId = s.structuredContent?.['sessionId'] as string
    await tools.call('run_code', { sessionId, code: 'n = 41' })
    const r = await tools.call('run_code', { sessionId, code: 'n + 1' })
    expect(r.structuredContent).toMatchObject({ status: 'ok', tier: 'pywasm', value: 42 })
    await tools.call('close_session', { sessionId })
  })

  it('list_runtimes reports pywasm with its language', async () => {
    const r = await tools.call('list_runtimes', {})
    const runtimes = r.structuredContent?.['runtimes'] as { tier: string }[]
    expect(runtimes.find((t) => t.tier === 'pywasm')).toMatchObject({
      tier: 'pywasm',
      languages: ['python'],
      available: true,
    })
  })

  it('the tier enum of run_code lists pywasm', () => {
    const run = tools.definitions.find((d) => d.name === 'run_code')
    const tier = (run?.inputSchema['properties'] as Record<string, { enum?: string[] }>)['tier']
    expect(tier?.enum).toEqual(['quickjs', 'pywasm', 'gvisor'])
  })

  it('javascript asked of pywasm is refused as a config error', async () => {
    const r = await tools.call('run_code', { language: 'javascript', tier: 'pywasm', code: '1' })
    expect(r).toMatchObject({ isError: true, structuredContent: { error: { code: 'ERR_CONFIG' } } })
  })
})

describe('the tools config and pywasm', () => {
  it('is opt-in: the default tiers leave it out', () => {
    expect(resolveToolsConfig({}).tiers).toEqual(['quickjs', 'wasm', 'gvisor'])
  })
})
