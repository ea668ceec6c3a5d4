/**
 * Issue 12 on the wasm tier (findings 2, 3, 4 and 7; SECURITY-CASES C4, B14–B16): a hostile module or
 * AssemblyScript program gets a limit outcome, never a host allocation it chose. The cases that grew or aborted
 * the host run in a child process (built dist/), which must exit 0, print the outcome and keep its peak RSS
 * growth under 200 MiB; the others run here, through the public API.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { closeSharedManager, run } from '../../../src/index.js'
import * as hostile from '../../fixtures/wasm/hostile-modules.js'
import * as modules from '../../fixtures/wasm/modules.js'
import { runInChild } from '../../fixtures/wasm/run-in-child.js'

const MiB = 1024 * 1024
const GiB = 1024 * MiB

afterAll(() => closeSharedManager())

describe('I12-2: tables are bounded by a declared maximum', () => {
  it('I12-2: a table.grow of ten million entries on a table without a maximum is refused; the host lives', async () => {
    const child = await runInChild({
      language: 'wasm',
      wasmBinary: hostile.tableGrow(9_999_990),
    })
    expect(child.exitCode).toBe(0)
    expect(child.rejected).toMatchObject({
      name: 'ValidationError',
      code: 'ERR_VALIDATION',
      message: expect.stringContaining('table 0: declares no maximum') as unknown,
    })
    expect(child.peakRssGrowthMiB).toBeLessThan(200)
  })

  it('I12-2: 2,000 tables of 100,000 entries each are refused; the host does not grow', async () => {
    const child = await runInChild({
      language: 'wasm',
      wasmBinary: hostile.manyTables(2000, 100_000),
    })
    expect(child.exitCode).toBe(0)
    expect(child.rejected).toMatchObject({
      code: 'ERR_VALIDATION',
      message: expect.stringContaining('tables: 2000 tables, more than the 8 allowed') as unknown,
    })
    expect(child.peakRssGrowthMiB).toBeLessThan(200)
  })

  it('I12-2: a table with a maximum above 100,000 entries is refused before it runs', async () => {
    const refused = await run(
      { language: 'wasm', wasmBinary: hostile.tableGrow(1, 10_000_000) },
      { type: 'wasm' },
    ).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(refused).toMatchObject({
      code: 'ERR_VALIDATION',
      message: expect.stringContaining('maximum of 10000000 entries') as unknown,
    })
  })

  it('I12-2: table.grow past a declared maximum within the cap returns -1 in the guest', async () => {
    const result = await run(
      { language: 'wasm', wasmBinary: hostile.tableGrow(9_999_990, 100_000) },
      { type: 'wasm' },
    )
    expect(result).toMatchObject({ status: 'ok', value: -1 })
  })
})

describe('I12-4: every way to grow a WASI file counts against diskSpace', () => {
  const diskLimit = { type: 'wasm' as const, limits: { diskSpace: MiB } }
  it.each([
    ['I12-4: fd_pwrite at a 1 GiB offset', { kind: 'pwrite', offset: GiB, bytes: 8 }],
    ['I12-4: fd_filestat_set_size to 1 GiB', { kind: 'set-size', size: GiB }],
    ['I12-4: fd_seek to 1 GiB then fd_write', { kind: 'seek-write', offset: GiB }],
    ['I12-4: fd_allocate of 1 GiB', { kind: 'allocate', offset: 0, len: GiB }],
  ] as const)('%s is refused under diskSpace 1 MiB; the host does not grow', async (_name, op) => {
    const child = await runInChild(
      { language: 'wasm', wasmBinary: hostile.wasiFileOp(op), fn: 'main' },
      diskLimit,
    )
    expect(child.exitCode).toBe(0)
    expect(child).toMatchObject({
      status: 'error',
      error: {
        name: 'ResourceExceededError',
        code: 'ERR_RESOURCE_EXCEEDED',
        // What the refused call asked for: the gigabyte, never granted (only the file's entry was used).
        details: { resource: 'diskSpace', limitBytes: MiB, usedBytes: 513 },
      },
    })
    expect(
      (child.error?.details as { requestedBytes: number }).requestedBytes,
    ).toBeGreaterThanOrEqual(GiB)
    expect(child.peakRssGrowthMiB).toBeLessThan(200)
  })

  it('I12-4: 100 writes of 64 KiB stop at the 1 MiB budget, never past it', async () => {
    const result = await run(
      {
        language: 'wasm',
        wasmBinary: hostile.wasiFileOp({ kind: 'write', bytes: 64 * 1024, times: 100 }),
        fn: 'main',
      },
      diskLimit,
    )
    // 15 writes fit beside the file's own entry (512 + its 1-byte name); the 16th would pass 1 MiB.
    expect(result).toMatchObject({
      status: 'error',
      error: { details: { requestedBytes: 65536, usedBytes: 15 * 65536 + 512 + 1 } },
    })
  })

  it('I12-4: writes within the budget succeed and the file has what was written', async () => {
    const result = await run(
      {
        language: 'wasm',
        wasmBinary: hostile.wasiFileOp({ kind: 'write', bytes: 8, times: 10 }),
        fn: 'main',
      },
      diskLimit,
    )
    expect(result.status).toBe('ok')
    expect(hostile.fileOpResult(result.value)).toEqual({ errno: 0, size: 80 })
  })

  it('I12-4: a file may be set to a size within the budget', async () => {
    const result = await run(
      {
        language: 'wasm',
        wasmBinary: hostile.wasiFileOp({ kind: 'set-size', size: 4096 }),
        fn: 'main',
      },
      diskLimit,
    )
    expect(hostile.fileOpResult(result.value)).toEqual({ errno: 0, size: 4096 })
  })

  it('I12-4: a run holds at most 1024 open files (EMFILE past them)', async () => {
    const result = await run(
      {
        language: 'wasm',
        wasmBinary: hostile.wasiFileOp({ kind: 'create-files', count: 2000 }),
        fn: 'main',
      },
      { type: 'wasm' },
    )
    expect(hostile.fileOpResult(result.value).errno).toBe(33)
  })

  it('I12-4: moving open files with fd_renumber frees no place among the 1024 (EMFILE past them)', async () => {
    const result = await run(
      {
        language: 'wasm',
        wasmBinary: hostile.wasiFileOp({ kind: 'renumber-files', count: 2000 }),
        fn: 'main',
      },
      { type: 'wasm' },
    )
    expect(hostile.fileOpResult(result.value).errno).toBe(33)
  })
})

describe('I12-7: the AssemblyScript value is bounded by maxOutputBytes before it is copied', () => {
  it('I12-7: main returning 5 M characters ends output with the result-too-large error', async () => {
    const code = `export function main(input: string): string { return 'x'.repeat(5_000_000) }\n`
    const result = await run(
      { code, language: 'assemblyscript' },
      { type: 'wasm', memoryLimit: 64 * MiB },
    )
    expect(result).toMatchObject({
      status: 'output',
      error: {
        name: 'OutputLimitExceeded',
        code: 'ERR_OUTPUT',
        message: 'The result is larger than maxOutputBytes (1048576 bytes)',
      },
    })
  })

  it('I12-7: a value of exactly maxOutputBytes is still returned', async () => {
    const code = `export function main(input: string): string { return '"' + 'y'.repeat(998) + '"' }\n`
    const result = await run(
      { code, language: 'assemblyscript' },
      { type: 'wasm', limits: { maxOutputBytes: 1000 } },
    )
    expect(result).toMatchObject({ status: 'ok', value: 'y'.repeat(998) })
  })
})

describe('I12-3: guest→host copies of the host calls and logs are bounded', () => {
  it('I12-3: host function arguments over 1 MiB are refused before the host function is called', async () => {
    let calls = 0
    const code = `import { callHost } from 'sandtier'
export function main(input: string): string {
  return callHost('take', '["' + 'a'.repeat(2 << 20) + '"]').json
}
`
    const result = await run(
      { code, language: 'assemblyscript' },
      { type: 'wasm', hostFunctions: { take: () => ++calls } },
    )
    expect({
      status: result.status,
      kind: (result.error?.details as { kind?: string } | undefined)?.kind,
      calls,
    }).toEqual({
      status: 'error',
      kind: 'host-call',
      calls: 0,
    })
  })

  it('I12-3: sixty 1 MiB arguments to a slow host function are never more than one in flight', async () => {
    let inFlight = 0
    let maxInFlight = 0
    const slow = async (text: unknown): Promise<number> => {
      maxInFlight = Math.max(maxInFlight, ++inFlight)
      await new Promise((resolve) => setTimeout(resolve, 5))
      inFlight -= 1
      return (text as string).length
    }
    const code = `import { callHost } from 'sandtier'
export function main(input: string): string {
  const arg = '["' + 'b'.repeat(1000000) + '"]'
  let total = 0
  for (let i = 0; i < 60; i++) total += I32.parseInt(callHost('slow', arg).json)
  return total.toString()
}
`
    const result = await run(
      { code, language: 'assemblyscript' },
      { type: 'wasm', hostFunctions: { slow } },
    )
    expect({ status: result.status, value: result.value, maxInFlight }).toEqual({
      status: 'ok',
      value: 60_000_000,
      maxInFlight: 1,
    })
  })

  it('I12-3: a log call claiming 2 GiB copies nothing past the guest memory', async () => {
    const result = await run(
      { language: 'wasm', wasmBinary: modules.hostileLog(0, 0x7fffffff) },
      { type: 'wasm' },
    )
    expect(result).toMatchObject({ status: 'error', error: { details: { kind: 'host-call' } } })
  })
})
