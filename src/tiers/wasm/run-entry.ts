/**
 * Chooses what a run calls in the module: `fn` with its arguments converted to the export's parameter types,
 * the AssemblyScript `main` convention, a WASI command's `_start`, a raw module's `main`, or nothing beyond
 * instantiation (top-level code runs in the start function).
 */
import { ValidationError } from '../../errors.js'
import type { Language } from '../../types.js'
import { formatFuncType, type FuncType, type ValType } from './module-inspect.js'
import type { ModulePlan } from './module-policy.js'
import type { RunEntry } from './protocol.js'

const MAX_ARGS = 64

/**
 * @throws ValidationError when `fn` is not an exported function or the arguments do not fit its parameters.
 */
export function chooseEntry(
  request: { fn: string | undefined; args: unknown[] | undefined },
  plan: ModulePlan,
  language: Language,
): RunEntry {
  const { functions } = plan
  if (request.fn !== undefined) {
    const type = functions.get(request.fn)
    if (type === undefined)
      throw new ValidationError(`No exported function "${request.fn}"`, [
        `exported functions: ${[...functions.keys()].join(', ') || 'none'}`,
      ])
    return { kind: 'fn', name: request.fn, args: convertArgs(request.fn, type, request.args ?? []) }
  }
  if (request.args !== undefined && request.args.length > 0)
    throw new ValidationError('args needs fn', ['name the export to call with fn'])
  if (language === 'assemblyscript' && functions.has('__sandtier_main')) return { kind: 'main' }
  if (plan.usesWasi && functions.get('_start')?.params.length === 0) return { kind: 'wasi-start' }
  for (const name of ['_start', 'main']) {
    const type = functions.get(name)
    if (language === 'wasm' && type !== undefined && type.params.length === 0)
      return { kind: 'fn', name, args: [] }
  }
  return { kind: 'instantiate' }
}

function convertArgs(fn: string, type: FuncType, args: unknown[]): (number | bigint)[] {
  if (args.length !== type.params.length || args.length > MAX_ARGS)
    throw new ValidationError(`Wrong arguments for "${fn}"`, [
      `${fn} has type ${formatFuncType(type)}: expected ${type.params.length} arguments, got ${args.length}`,
    ])
  return args.map((arg, i) => convertArg(fn, i, type.params[i] as ValType, arg))
}

function convertArg(fn: string, index: number, type: ValType, arg: unknown): number | bigint {
  const fail = (): never => {
    throw new ValidationError(`Wrong arguments for "${fn}"`, [
      `argument ${index} must be a number for parameter type ${type}, got ${typeof arg}`,
    ])
  }
  switch (type) {
    case 'i32':
    case 'f32':
    case 'f64':
      return typeof arg === 'number' ? arg : fail()
    case 'i64':
      if (typeof arg === 'bigint') return arg
      if (typeof arg === 'number' && Number.isInteger(arg)) return BigInt(arg)
      if (typeof arg === 'string' && /^-?\d{1,20}$/.test(arg)) return BigInt(arg)
      return fail()
    default:
      throw new ValidationError(`Cannot call "${fn}"`, [
        `parameter ${index} has type ${type}, which has no JSON form`,
      ])
  }
}
