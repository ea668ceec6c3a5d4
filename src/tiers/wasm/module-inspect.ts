/**
 * Reads what the host must know about a wasm module before it is instantiated: imports with their full types
 * (which `WebAssembly.Module.imports()` does not give on Node 20), own memories and tables, exports with their
 * function types, the start function and the data segments. Code bodies are skipped, never decoded.
 */
import { WasmReader, malformed } from './wasm-reader.js'

/** A value type; unknown encodings keep their byte so they can be named in an error. */
export type ValType =
  'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref' | `0x${string}`

export interface FuncType {
  params: ValType[]
  results: ValType[]
}

/** Limits of a memory (in pages) or a table (in elements). */
export interface Limits {
  min: number
  max: number | undefined
  shared: boolean
  is64: boolean
}

export type ImportDesc =
  | { kind: 'function'; type: FuncType }
  | { kind: 'table'; limits: Limits }
  | { kind: 'memory'; limits: Limits }
  | { kind: 'global'; valType: ValType; mutable: boolean }
  | { kind: 'tag' }

export interface ModuleImport {
  module: string
  name: string
  desc: ImportDesc
}

export type ExportKind = 'function' | 'table' | 'memory' | 'global' | 'tag'

export interface ModuleExport {
  name: string
  kind: ExportKind
  index: number
  /** Set for function exports. */
  type: FuncType | undefined
}

export interface DataSegment {
  active: boolean
  memory: number
  /** Constant i32 offset of an active segment; undefined when the offset is not a plain constant. */
  offset: number | undefined
  size: number
}

/** Everything the import policy and the runner need from a module. */
export interface ModuleInfo {
  byteLength: number
  imports: ModuleImport[]
  exports: ModuleExport[]
  /** Memories the module defines itself (not imported). */
  memories: Limits[]
  /** Tables the module defines itself. */
  tables: Limits[]
  hasStart: boolean
  dataSegments: DataSegment[]
}

const VAL_TYPES: Record<number, ValType> = {
  0x7f: 'i32',
  0x7e: 'i64',
  0x7d: 'f32',
  0x7c: 'f64',
  0x7b: 'v128',
  0x70: 'funcref',
  0x6f: 'externref',
}
const EXPORT_KINDS: readonly ExportKind[] = ['function', 'table', 'memory', 'global', 'tag']

/** Renders a function type as `(i32, i32) -> (f64)`. */
export function formatFuncType(type: FuncType): string {
  return `(${type.params.join(', ')}) -> (${type.results.join(', ')})`
}

/**
 * Parses the sections of a module that `WebAssembly.compile` has already validated.
 * @throws ValidationError when the bytes are truncated or use encodings this host does not accept.
 */
export function inspectModule(bytes: Uint8Array): ModuleInfo {
  const r = new WasmReader(bytes)
  if (bytes.length < 8) throw malformed('too short', 0)
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
  for (const expected of magic)
    if (r.byte() !== expected) throw malformed('not a wasm 1.0 module', 0)

  const types: FuncType[] = []
  const funcTypes: FuncType[] = []
  const info: ModuleInfo = {
    byteLength: bytes.length,
    imports: [],
    exports: [],
    memories: [],
    tables: [],
    hasStart: false,
    dataSegments: [],
  }
  while (!r.done) {
    const id = r.byte()
    const section = r.sub(r.u32())
    switch (id) {
      case 1:
        forEach(section, () => types.push(readFuncType(section)))
        break
      case 2:
        forEach(section, () => {
          const entry = readImport(section, types)
          info.imports.push(entry)
          if (entry.desc.kind === 'function') funcTypes.push(entry.desc.type)
        })
        break
      case 3:
        forEach(section, () => funcTypes.push(typeAt(types, section.u32(), section.offset)))
        break
      case 4:
        forEach(section, () => info.tables.push(readTableType(section)))
        break
      case 5:
        forEach(section, () => info.memories.push(readLimits(section)))
        break
      case 7:
        forEach(section, () => {
          const name = section.name()
          const kind = EXPORT_KINDS[section.byte()]
          const index = section.u32()
          if (kind === undefined) throw malformed('unknown export kind', section.offset)
          info.exports.push({
            name,
            kind,
            index,
            type: kind === 'function' ? funcTypes[index] : undefined,
          })
        })
        break
      case 8:
        info.hasStart = true
        break
      case 11:
        forEach(section, () => info.dataSegments.push(readDataSegment(section)))
        break
      default:
        // Custom, global, element, code, data count and tag sections carry nothing the host checks.
        break
    }
  }
  return info
}

function forEach(r: WasmReader, read: () => void): void {
  const count = r.u32()
  for (let i = 0; i < count; i++) read()
}

function valType(r: WasmReader): ValType {
  const b = r.byte()
  return VAL_TYPES[b] ?? `0x${b.toString(16).padStart(2, '0')}`
}

function readFuncType(r: WasmReader): FuncType {
  const form = r.byte()
  // 0x60 is the only form Node 20's engine accepts; rec/sub/struct/array are the GC proposal.
  if (form !== 0x60) throw malformed(`unsupported type form 0x${form.toString(16)}`, r.offset - 1)
  const params: ValType[] = []
  const results: ValType[] = []
  forEach(r, () => params.push(valType(r)))
  forEach(r, () => results.push(valType(r)))
  return { params, results }
}

function typeAt(types: FuncType[], index: number, offset: number): FuncType {
  const type = types[index]
  if (type === undefined) throw malformed(`type index ${index} out of range`, offset)
  return type
}

function readLimits(r: WasmReader): Limits {
  const flags = r.byte()
  if (flags > 0x07) throw malformed(`unknown limits flags 0x${flags.toString(16)}`, r.offset - 1)
  const is64 = (flags & 0x04) !== 0
  const min = is64 ? r.u64() : r.u32()
  const max = (flags & 0x01) !== 0 ? (is64 ? r.u64() : r.u32()) : undefined
  return { min, max, shared: (flags & 0x02) !== 0, is64 }
}

function readTableType(r: WasmReader): Limits {
  valType(r)
  return readLimits(r)
}

function readImport(r: WasmReader, types: FuncType[]): ModuleImport {
  const module = r.name()
  const name = r.name()
  const kind = r.byte()
  switch (kind) {
    case 0:
      return { module, name, desc: { kind: 'function', type: typeAt(types, r.u32(), r.offset) } }
    case 1:
      return { module, name, desc: { kind: 'table', limits: readTableType(r) } }
    case 2:
      return { module, name, desc: { kind: 'memory', limits: readLimits(r) } }
    case 3: {
      const type = valType(r)
      return { module, name, desc: { kind: 'global', valType: type, mutable: r.byte() === 1 } }
    }
    case 4:
      r.byte()
      r.u32()
      return { module, name, desc: { kind: 'tag' } }
    default:
      throw malformed(`unknown import kind ${kind}`, r.offset - 1)
  }
}

function readDataSegment(r: WasmReader): DataSegment {
  const flags = r.u32()
  if (flags === 1) {
    const size = r.u32()
    r.skip(size)
    return { active: false, memory: 0, offset: undefined, size }
  }
  if (flags !== 0 && flags !== 2) throw malformed(`unknown data segment flags ${flags}`, r.offset)
  const memory = flags === 2 ? r.u32() : 0
  const offset = readConstOffset(r)
  const size = r.u32()
  r.skip(size)
  return { active: true, memory, offset, size }
}

// A constant expression: `i32.const N end` gives N; anything else (global.get, extended const) gives undefined.
function readConstOffset(r: WasmReader): number | undefined {
  let value: number | undefined
  let first = true
  for (;;) {
    const op = r.byte()
    if (op === 0x0b) return value
    if (op === 0x41 && first) value = r.s32() >>> 0
    else {
      value = undefined
      skipConstOperand(r, op)
    }
    first = false
  }
}

function skipConstOperand(r: WasmReader, op: number): void {
  if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) r.skipLeb()
  else if (op === 0x43) r.skip(4)
  else if (op === 0x44) r.skip(8)
  else if (op === 0xd0) r.byte()
  else if (op === 0xfd) {
    r.u32()
    r.skip(16)
  } else if (!(op >= 0x6a && op <= 0x6c) && !(op >= 0x7c && op <= 0x7e))
    throw malformed(`unsupported constant expression opcode 0x${op.toString(16)}`, r.offset - 1)
}
