import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../../src/errors.js'
import type { FuncType } from '../../../src/tiers/wasm/module-inspect.js'
import type { ModulePlan } from '../../../src/tiers/wasm/module-policy.js'
import { chooseEntry } from '../../../src/tiers/wasm/run-entry.js'

const fns = (entries: Record<string, FuncType>): ModulePlan => ({
  memory: undefined,
  usesWasi: false,
  hostImports: [],
  functions: new Map(Object.entries(entries)),
})
const plan = fns({
  add: { params: ['i32', 'i32'], results: ['i32'] },
  big: { params: ['i64'], results: ['i64'] },
  __sandtier_main: { params: [], results: [] },
  _start: { params: [], results: [] },
})

describe('chooseEntry', () => {
  it('converts fn args to the parameter types, i64 as BigInt', () => {
    expect(chooseEntry({ fn: 'add', args: [1, 2] }, plan, 'assemblyscript')).toEqual({
      kind: 'fn',
      name: 'add',
      args: [1, 2],
    })
    expect(chooseEntry({ fn: 'big', args: ['9007199254740993'] }, plan, 'wasm')).toEqual({
      kind: 'fn',
      name: 'big',
      args: [9007199254740993n],
    })
  })

  it('picks main for AssemblyScript and _start or main for raw modules', () => {
    expect(chooseEntry({ fn: undefined, args: undefined }, plan, 'assemblyscript')).toEqual({
      kind: 'main',
    })
    expect(chooseEntry({ fn: undefined, args: undefined }, plan, 'wasm')).toEqual({
      kind: 'fn',
      name: '_start',
      args: [],
    })
    expect(
      chooseEntry({ fn: undefined, args: undefined }, { ...plan, usesWasi: true }, 'wasm'),
    ).toEqual({ kind: 'wasi-start' })
    expect(chooseEntry({ fn: undefined, args: undefined }, fns({}), 'wasm')).toEqual({
      kind: 'instantiate',
    })
  })

  it.each([
    [{ fn: 'nope', args: [] }],
    [{ fn: 'add', args: [1] }],
    [{ fn: 'add', args: ['1', 2] }],
    [{ fn: 'big', args: [1.5] }],
    [{ fn: undefined, args: [1] }],
  ])('refuses %j with a ValidationError', (request) => {
    expect(() => chooseEntry(request, plan, 'wasm')).toThrow(ValidationError)
  })
})
