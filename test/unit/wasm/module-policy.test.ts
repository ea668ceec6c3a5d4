import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../../src/errors.js'
import { inspectModule } from '../../../src/tiers/wasm/module-inspect.js'
import { checkModule, type ModulePolicyOptions } from '../../../src/tiers/wasm/module-policy.js'
import * as modules from '../../fixtures/wasm/modules.js'
import { F64, I32, WasmBuilder } from '../../fixtures/wasm/wasm-builder.js'

const options: ModulePolicyOptions = {
  memoryPages: 1,
  maxMemoryPages: 16,
  hostFunctionNames: ['twice'],
}
const check = (bytes: Uint8Array, overrides: Partial<ModulePolicyOptions> = {}) =>
  checkModule(inspectModule(bytes), { ...options, ...overrides })

function problems(
  bytes: Uint8Array,
  overrides: Partial<ModulePolicyOptions> = {},
): readonly string[] {
  try {
    check(bytes, overrides)
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return (error as ValidationError).details
  }
  throw new Error('module was accepted')
}

function importing(
  module: string,
  name: string,
  params: number[],
  results: number[] = [],
): Uint8Array {
  const b = new WasmBuilder()
  b.importFunc(module, name, params, results)
  return b.importMemory(1).export('memory', 'memory', 0).build()
}

describe('checkModule', () => {
  it('sizes the imported memory: initial = max(memoryPages, declared min), maximum = the limit', () => {
    expect(check(modules.growLoop()).memory).toEqual({ initial: 1, maximum: 16 })
    expect(check(modules.growLoop(), { memoryPages: 4 }).memory).toEqual({
      initial: 4,
      maximum: 16,
    })
    expect(check(new WasmBuilder().importMemory(3, 8).build()).memory).toEqual({
      initial: 3,
      maximum: 8,
    })
    expect(check(modules.addModule()).memory).toBeUndefined()
  })

  it.each([
    ['env', 'abort', [I32, I32, I32, I32], []],
    ['env', 'seed', [], [F64]],
    ['env', 'console.log', [I32], []],
    ['sandtier', 'fetch', [I32, I32], [I32]],
    ['wasi_snapshot_preview1', 'fd_write', [I32, I32, I32, I32], [I32]],
    ['host', 'twice', [F64], [F64]],
  ])('accepts %s.%s with its exact signature', (module, name, params, results) => {
    expect(() => check(importing(module, name, params, results))).not.toThrow()
  })

  it.each([
    [
      'env',
      'abort',
      [I32],
      [],
      'env.abort: wrong signature, expected (i32, i32, i32, i32) -> (), got (i32) -> ()',
    ],
    ['env', 'system', [I32], [I32], 'env.system (function): not allowed'],
    [
      'wasi_snapshot_preview1',
      'sock_send',
      [I32],
      [I32],
      'wasi_snapshot_preview1.sock_send (function): not allowed',
    ],
    ['host', 'unknown', [F64], [F64], 'host.unknown (function): not allowed'],
    [
      'host',
      'twice',
      [F64],
      [F64, F64],
      'host.twice: host functions take and return numbers only (i32, i64, f32, f64; one result at most), got (f64) -> (f64, f64)',
    ],
    [
      'sandtier',
      'read',
      [I32, I32],
      [I32],
      'sandtier.read: wrong signature, expected (i32, i32) -> (), got (i32, i32) -> (i32)',
    ],
  ])('refuses %s.%s', (module, name, params, results, problem) => {
    expect(problems(importing(module, name, params, results))).toContain(problem)
  })

  it('refuses own memories, shared or oversized imported memories, big tables and globals', () => {
    expect(problems(modules.ownMemory(65536))[0]).toMatch(
      /memory 0: the module defines its own memory \(65536 pages\)/,
    )
    expect(problems(modules.sharedMemory())).toContain('env.memory: shared memory is not allowed')
    expect(problems(new WasmBuilder().importMemory(17).build())[0]).toMatch(
      /needs at least 17 pages, more than the limit of 16 pages/,
    )
    expect(problems(new WasmBuilder().table(200_000, 200_000).build())[0]).toMatch(
      /table 0: maximum of 200000 entries, more than the 100000 allowed/,
    )
    expect(
      problems(new WasmBuilder().importMemory(1, 2, false, 'env', 'other').build())[0],
    ).toMatch(/only one memory, imported as env.memory/)
  })

  it.each([
    ['no maximum', new WasmBuilder().table(1).build(), /table 0: declares no maximum/],
    ['a maximum over the cap', new WasmBuilder().table(1, 100_001).build(), /maximum of 100001/],
  ])(
    "refuses a table with %s: table.grow could reach V8's 10M entries (I12-2)",
    (_w, bytes, re) => {
      expect(problems(bytes)[0]).toMatch(re)
    },
  )

  it('refuses tables whose maxima add up past the cap, or too many tables (I12-2)', () => {
    const two = new WasmBuilder().table(1, 60_000).table(1, 60_000).build()
    expect(problems(two)).toEqual([
      'tables: a maximum of 120000 entries in all, more than the 100000 allowed',
    ])
    const many = new WasmBuilder()
    for (let i = 0; i < 9; i++) many.table(0, 1)
    expect(problems(many.build())).toEqual(['tables: 9 tables, more than the 8 allowed'])
  })

  it('accepts a table whose maximum is within the cap', () => {
    expect(() => check(new WasmBuilder().table(1, 100_000).build())).not.toThrow()
  })

  it('refuses data that cannot fit the memory limit', () => {
    expect(problems(modules.dataSegment(16 * 65536 - 4, 8))[0]).toMatch(
      /data segment 0: ends at byte 1048580/,
    )
    expect(() => check(modules.dataSegment(16 * 65536 - 8, 8))).not.toThrow()
  })

  it('requires WASI modules to export their memory', () => {
    const b = new WasmBuilder()
    b.importFunc('wasi_snapshot_preview1', 'proc_exit', [I32], [])
    expect(problems(b.importMemory(1).build())).toContain(
      'memory: a WASI module must export its memory as "memory"',
    )
    expect(check(modules.wasiHello()).usesWasi).toBe(true)
  })

  it('lists every problem at once', () => {
    expect(problems(modules.disallowedImports())).toHaveLength(3)
  })
})
