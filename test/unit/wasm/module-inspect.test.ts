import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../../src/errors.js'
import { formatFuncType, inspectModule } from '../../../src/tiers/wasm/module-inspect.js'
import * as modules from '../../fixtures/wasm/modules.js'
import { F64, I32, I64, WasmBuilder } from '../../fixtures/wasm/wasm-builder.js'

describe('inspectModule', () => {
  it('reads imports with their function types and memory limits', () => {
    const b = new WasmBuilder()
    b.importFunc('env', 'abort', [I32, I32, I32, I32], [])
    b.importFunc('host', 'f', [I64, F64], [F64])
    b.importMemory(2, 10)
    const info = inspectModule(b.build())
    expect(info.imports.map((i) => `${i.module}.${i.name}`)).toEqual([
      'env.abort',
      'host.f',
      'env.memory',
    ])
    const [abort, f, memory] = info.imports
    expect(abort?.desc.kind === 'function' && formatFuncType(abort.desc.type)).toBe(
      '(i32, i32, i32, i32) -> ()',
    )
    expect(f?.desc.kind === 'function' && formatFuncType(f.desc.type)).toBe('(i64, f64) -> (f64)')
    expect(memory?.desc).toEqual({
      kind: 'memory',
      limits: { min: 2, max: 10, shared: false, is64: false },
    })
  })

  it('reads own memories, exports with types, start and data segments', () => {
    const info = inspectModule(modules.ownMemory(65536))
    expect(info.memories).toEqual([{ min: 65536, max: undefined, shared: false, is64: false }])
    expect(info.exports.map((e) => [e.name, e.kind])).toEqual([
      ['memory', 'memory'],
      ['main', 'function'],
    ])
    expect(inspectModule(modules.spinInStart()).hasStart).toBe(true)
    const data = inspectModule(modules.dataSegment(1000, 24)).dataSegments
    expect(data).toEqual([{ active: true, memory: 0, offset: 1000, size: 24 }])
  })

  it('gives function exports their types, imports counted first', () => {
    const info = inspectModule(modules.hostTwice())
    const run = info.exports.find((e) => e.name === 'run')
    expect(run?.type && formatFuncType(run.type)).toBe('(f64) -> (f64)')
  })

  it('reads negative i32 data offsets as unsigned', () => {
    const b = new WasmBuilder().importMemory(1)
    b.data(-16, [1])
    expect(inspectModule(b.build()).dataSegments[0]?.offset).toBe(2 ** 32 - 16)
  })

  it.each([
    ['empty', new Uint8Array()],
    ['bad magic', Uint8Array.from([1, 2, 3, 4, 1, 0, 0, 0])],
    ['truncated section', Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 10, 1])],
    [
      'overlong LEB',
      Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
    ],
  ])('refuses malformed bytes (%s) with a ValidationError', (_what, bytes) => {
    expect(() => inspectModule(bytes)).toThrow(ValidationError)
  })
})
