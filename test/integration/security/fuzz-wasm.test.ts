/**
 * Issue 12 (Build, last item): random guest programs that produce huge or odd outputs, thrown at the wasm
 * tier through one SandboxManager: AssemblyScript programs from templates with random sizes and counts, and
 * raw modules with random memory and table declarations calling WASI and the guest library with odd
 * arguments. Every run must resolve with a known status within maxOutputBytes and the error caps (a raw
 * module that breaks the import or table policy may instead be refused with ERR_VALIDATION, before it runs);
 * the host's memory stays bounded; a sandbox made before the fuzz still runs the same program the same way.
 * Replay or widen: FUZZ_SEED=<n> FUZZ_RUNS=<n> npx vitest run test/integration/security/fuzz-wasm.test.ts
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SandboxManager, isSandboxError, type ExecResult } from '../../../src/index.js'
import { SHAPES, asProgram, asSource } from '../../fixtures/fuzz/as-programs.js'
import {
  RESULT_CAPS,
  MAX_HEAP_GROWTH_MIB,
  MAX_RSS_GROWTH_MIB,
  MemoryWatch,
  MiB,
  assertBounded,
  assertFuzz,
  fuzzParameters,
} from '../../fixtures/fuzz/fuzz-checks.js'
import { rawModule } from '../../fixtures/fuzz/wasm-modules.js'

const hostFunctions = { echo: (x: unknown) => x }

const limits = fc.record({
  memoryLimitMiB: fc.integer({ min: 16, max: 256 }),
  executionTimeMs: fc.integer({ min: 200, max: 2000 }),
  maxOutputBytes: fc.integer({ min: 1024, max: MiB }),
})

const guestCase = fc.tuple(
  fc.oneof(
    { weight: 1, arbitrary: asProgram.map((p) => ({ kind: 'as' as const, ...p })) },
    { weight: 1, arbitrary: rawModule.map((m) => ({ kind: 'raw' as const, ...m })) },
  ),
  limits,
)

// No disk cache: each run of this file compiles its programs itself.
const manager = new SandboxManager({ tiers: { wasm: { cacheDir: false } } })
const CANARY_CODE = asSource([]).code
let canary = ''
let canaryBefore: ExecResult
let watch: MemoryWatch
const statuses: Record<string, number> = {}

beforeAll(async () => {
  canary = await manager.createSandbox({ type: 'wasm', language: 'assemblyscript' })
  canaryBefore = await manager.execute(canary, { code: CANARY_CODE, input: [6, 7, 0] })
  expect(canaryBefore).toMatchObject({ status: 'ok', value: 'é'.repeat(7) })
  // The shapes compile once here (a compile counts against a run's own time limit, 200 ms at the least).
  for (const steps of SHAPES)
    await manager.runOnce(
      { type: 'wasm', language: 'assemblyscript', hostFunctions },
      { code: asSource(steps).code, input: [0] },
    )
  watch = new MemoryWatch()
})
afterAll(async () => {
  watch?.stop()
  await manager.close()
})

type GuestCase = typeof guestCase extends fc.Arbitrary<infer T> ? T : never

/** Runs one case once; undefined when a raw module was refused with ERR_VALIDATION before it ran. */
async function runCase([program, l]: GuestCase): Promise<ExecResult | undefined> {
  const config = {
    type: 'wasm' as const,
    hostFunctions,
    memoryLimit: l.memoryLimitMiB * MiB,
    limits: { executionTime: l.executionTimeMs, maxOutputBytes: l.maxOutputBytes },
  }
  if (program.kind === 'as')
    return manager.runOnce(
      { ...config, language: 'assemblyscript' },
      { code: program.code, input: program.input },
    )
  try {
    return await manager.runOnce(
      { ...config, language: 'wasm' },
      { language: 'wasm', wasmBinary: program.wasm },
    )
  } catch (error) {
    if (isSandboxError(error) && error.code === 'ERR_VALIDATION') return undefined
    throw error
  }
}

describe('I12 fuzz: random huge or odd guest programs on the wasm tier', () => {
  const parameters = fuzzParameters(60, 12)

  it('I12: every run resolves with a known status, within maxOutputBytes and the error caps', async () => {
    const started = performance.now()
    await assertFuzz(
      () =>
        fc.assert(
          fc.asyncProperty(guestCase, async (c) => {
            const result = await runCase(c)
            const status = result?.status ?? 'refused'
            statuses[status] = (statuses[status] ?? 0) + 1
            watch.sample()
            if (result) assertBounded(result, c[1].maxOutputBytes, RESULT_CAPS)
          }),
          parameters,
        ),
      parameters,
    )
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    console.log(
      `wasm fuzz: ${String(parameters.numRuns)} programs in ${seconds} s, statuses ${JSON.stringify(statuses)}, ` +
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

  it('I12: a sandbox made before the fuzz runs the same program with the same result', async () => {
    const after = await manager.execute(canary, { code: CANARY_CODE, input: [6, 7, 0] })
    expect(after).toMatchObject({ status: 'ok', value: canaryBefore.value })
  })
})
