/**
 * Issue 12 (Build, last item): random guest programs that produce huge or odd outputs, thrown at the quickjs
 * tier through one SandboxManager (2 workers). Every run must resolve with a known status and stay within
 * maxOutputBytes and the error caps; the host's memory stays bounded; an idle canary sandbox keeps its
 * globals. Most programs run once under random limits, some on persistent sandboxes (state, replaced
 * built-ins and images carried from run to run), a few are cancelled.
 * Replay or widen: FUZZ_SEED=<n> FUZZ_RUNS=<n> npx vitest run test/integration/security/fuzz-quickjs.test.ts
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SandboxManager, type ExecResult, type SandboxConfig } from '../../../src/index.js'
import {
  MAX_HEAP_GROWTH_MIB,
  MAX_RSS_GROWTH_MIB,
  MemoryWatch,
  MiB,
  assertBounded,
  assertFuzz,
  fuzzParameters,
} from '../../fixtures/fuzz/fuzz-checks.js'
import { jsProgram } from '../../fixtures/fuzz/js-programs.js'

const hostFunctions = {
  echo: (x: unknown) => x,
  slow: async (x: unknown) => {
    await new Promise((resolve) => setTimeout(resolve, 10))
    return typeof x
  },
}

/**
 * Persistent sandboxes, from the tightest limits to the loosest. Their memory stays committed while they
 * live, so their limits are small: the 256 MiB guests are the one-off runs.
 */
const PERSISTENT: SandboxConfig[] = [
  { memoryLimit: 16 * MiB, limits: { executionTime: 300, maxOutputBytes: 1024 } },
  { memoryLimit: 32 * MiB, limits: { executionTime: 1000, maxOutputBytes: 64 * 1024 } },
  { memoryLimit: 64 * MiB, limits: { executionTime: 2000, maxOutputBytes: MiB } },
]

const guestCase = fc.record({
  code: jsProgram,
  memoryLimitMiB: fc.integer({ min: 16, max: 256 }),
  executionTimeMs: fc.integer({ min: 200, max: 2000 }),
  maxOutputBytes: fc.integer({ min: 1024, max: MiB }),
  persistent: fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: PERSISTENT.length - 1 }) },
  ),
  input: fc.jsonValue({ maxDepth: 2 }),
  cancelAfterMs: fc.oneof(
    { weight: 9, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 300 }) },
  ),
})
type GuestCase = typeof guestCase extends fc.Arbitrary<infer T> ? T : never

const manager = new SandboxManager({ tiers: { quickjs: { workers: 2, spareWorkers: 1 } } })
const persistentIds: string[] = []
let canary = ''
let watch: MemoryWatch
const statuses: Record<string, number> = {}

beforeAll(async () => {
  await manager.runOnce({ type: 'quickjs' }, '1')
  canary = await manager.createSandbox({ type: 'quickjs' })
  const setup = await manager.execute(
    canary,
    "globalThis.canary = { secret: 'c4n4ry', list: [1, 2, 3] }; let ticks = 0; globalThis.tick = () => ++ticks; tick()",
  )
  expect(setup.value).toBe(1)
  for (const config of PERSISTENT)
    persistentIds.push(await manager.createSandbox({ type: 'quickjs', hostFunctions, ...config }))
  watch = new MemoryWatch()
})
afterAll(async () => {
  watch?.stop()
  await manager.close()
})

/** Runs one case: once under its own limits, or on a persistent sandbox; returns the result and its cap. */
async function runCase(c: GuestCase): Promise<{ result: ExecResult; maxOutputBytes: number }> {
  const signal = c.cancelAfterMs === undefined ? undefined : AbortSignal.timeout(c.cancelAfterMs)
  const request = { code: c.code, input: c.input, signal }
  if (c.persistent !== undefined) {
    const config = PERSISTENT[c.persistent] as SandboxConfig
    const id = persistentIds[c.persistent] as string
    const result = await manager.execute(id, { ...request, timeoutMs: c.executionTimeMs })
    return { result, maxOutputBytes: config.limits?.maxOutputBytes ?? MiB }
  }
  const config: SandboxConfig = {
    type: 'quickjs',
    hostFunctions,
    memoryLimit: c.memoryLimitMiB * MiB,
    limits: { executionTime: c.executionTimeMs, maxOutputBytes: c.maxOutputBytes },
  }
  return { result: await manager.runOnce(config, request), maxOutputBytes: c.maxOutputBytes }
}

describe('I12 fuzz: random huge or odd guest programs on the quickjs tier', () => {
  const parameters = fuzzParameters(120, 12)

  it('I12: every run resolves with a known status, within maxOutputBytes and the error caps', async () => {
    const started = performance.now()
    await assertFuzz(
      () =>
        fc.assert(
          fc.asyncProperty(guestCase, async (c) => {
            const { result, maxOutputBytes } = await runCase(c)
            statuses[result.status] = (statuses[result.status] ?? 0) + 1
            watch.sample()
            assertBounded(result, maxOutputBytes)
          }),
          parameters,
        ),
      parameters,
    )
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    console.log(
      `quickjs fuzz: ${String(parameters.numRuns)} programs in ${seconds} s, statuses ${JSON.stringify(statuses)}, ` +
        `peak RSS +${watch.rssGrowthMiB.toFixed(0)} MiB, peak heap +${watch.heapGrowthMiB.toFixed(0)} MiB`,
    )
  })

  it('I12: the host process grew by less than 300 MiB of RSS plus one guest memory while the programs ran', () => {
    watch.sample()
    expect(watch.rssGrowthMiB).toBeLessThan(MAX_RSS_GROWTH_MIB)
  })

  it('I12: the host thread heap grew by less than 150 MiB while the programs ran', () => {
    expect(watch.heapGrowthMiB).toBeLessThan(MAX_HEAP_GROWTH_MIB)
  })

  it('I12: the idle canary sandbox kept its globals through every run', async () => {
    const after = await manager.execute(canary, '[canary.secret, canary.list.length, tick()]')
    expect(after).toMatchObject({ status: 'ok', value: ['c4n4ry', 3, 2] })
  })
})
