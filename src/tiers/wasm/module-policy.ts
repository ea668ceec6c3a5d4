/**
 * Decides whether a module may run, before it is instantiated: its memory must be imported (so the host sets
 * its maximum), its imports must be on the allowlist with the exact signatures, and its static data and tables
 * must fit the limits. Every problem is collected, so one ValidationError lists all of them.
 */
import { WASM_PAGE_BYTES } from '../../config.js'
import { ValidationError } from '../../errors.js'
import {
  ENV_FUNCTIONS,
  HOST_MODULE,
  SANDTIER_FUNCTIONS,
  SANDTIER_MODULE,
  WASI_FUNCTIONS,
  WASI_MODULE,
  isNumericHostSignature,
  sameFuncType,
} from './import-signatures.js'
import {
  formatFuncType,
  type FuncType,
  type Limits,
  type ModuleImport,
  type ModuleInfo,
} from './module-inspect.js'

/**
 * Largest table a module may declare, as its maximum (entries). A funcref table lives on the worker's V8 heap,
 * not in the bounded linear memory, and V8 lets `table.grow` reach 10,000,000 entries, enough to abort the whole
 * process on one instruction (issue 12). 100,000 entries cost V8 a few MiB, well inside the worker's heap, and
 * are far above what compiled code needs (an AssemblyScript module's table holds one entry per closure).
 */
export const MAX_TABLE_ENTRIES = 100_000
/** Tables a module may define: compilers emit one; 2,000 tables of 100,000 entries held 1.2 GiB of host heap. */
export const MAX_TABLES = 8

export interface ModulePolicyOptions {
  /** Initial pages of the memory the host creates. */
  memoryPages: number
  /** Maximum pages of the memory the host creates: the sandbox's memory limit. */
  maxMemoryPages: number
  /** Names of the sandbox's hostFunctions a module may import from `host`. */
  hostFunctionNames: readonly string[]
}

/** How the worker must instantiate an accepted module. */
export interface ModulePlan {
  /** The imported `env.memory` to create; undefined when the module uses no memory at all. */
  memory: { initial: number; maximum: number } | undefined
  usesWasi: boolean
  /** The `host` imports, by name, with their types (the worker converts numbers to match). */
  hostImports: { name: string; type: FuncType }[]
  /** Function exports by name. */
  functions: ReadonlyMap<string, FuncType>
}

/**
 * Checks a module against the sandbox's limits and the import allowlist.
 * @throws ValidationError listing every offending import, memory, table or data segment.
 */
export function checkModule(info: ModuleInfo, options: ModulePolicyOptions): ModulePlan {
  const problems: string[] = []
  const hostNames = new Set(options.hostFunctionNames)
  const hostImports: ModulePlan['hostImports'] = []
  let memoryImport: ModuleImport | undefined
  let usesWasi = false

  for (const entry of info.imports) {
    const where = `${entry.module}.${entry.name}`
    if (entry.desc.kind === 'memory') {
      if (entry.module !== 'env' || entry.name !== 'memory' || memoryImport !== undefined)
        problems.push(`${where} (memory): only one memory, imported as env.memory, is allowed`)
      else memoryImport = entry
      continue
    }
    if (entry.desc.kind !== 'function') {
      problems.push(`${where} (${entry.desc.kind}): not allowed`)
      continue
    }
    const actual = entry.desc.type
    if (entry.module === HOST_MODULE && hostNames.has(entry.name)) {
      if (isNumericHostSignature(actual)) hostImports.push({ name: entry.name, type: actual })
      else
        problems.push(
          `${where}: host functions take and return numbers only (i32, i64, f32, f64; one result at most), got ${formatFuncType(actual)}`,
        )
      continue
    }
    const expected = expectedType(entry.module, entry.name)
    if (expected === undefined) {
      problems.push(`${where} (function): not allowed`)
      continue
    }
    if (entry.module === WASI_MODULE) usesWasi = true
    if (!sameFuncType(expected, actual))
      problems.push(
        `${where}: wrong signature, expected ${formatFuncType(expected)}, got ${formatFuncType(actual)}`,
      )
  }

  for (const [i, own] of info.memories.entries())
    problems.push(
      `memory ${i}: the module defines its own memory (${own.min} pages${own.max === undefined ? '' : `, max ${own.max}`}); it must import env.memory`,
    )
  for (const [i, table] of info.tables.entries()) checkTable(i, table, problems)
  checkTableTotal(info.tables, problems)

  const memory = planMemory(memoryImport, options, problems)
  checkData(info, memory, problems)
  const functions = new Map<string, FuncType>()
  for (const e of info.exports) if (e.kind === 'function' && e.type) functions.set(e.name, e.type)
  if (usesWasi && !info.exports.some((e) => e.kind === 'memory' && e.name === 'memory'))
    problems.push('memory: a WASI module must export its memory as "memory"')
  if (problems.length > 0) throw new ValidationError('Wasm module refused', problems)
  return { memory, usesWasi, hostImports, functions }
}

// A table can grow up to its declared maximum (table.grow, or an exported table grown by anyone holding it):
// the maximum, not the initial size, is what the host must bound.
function checkTable(index: number, table: Limits, problems: string[]): void {
  if (table.is64) problems.push(`table ${index}: 64-bit tables are not allowed`)
  else if (table.max === undefined)
    problems.push(
      `table ${index}: declares no maximum; tables must declare one of at most ${MAX_TABLE_ENTRIES} entries`,
    )
  else if (table.max > MAX_TABLE_ENTRIES || table.min > MAX_TABLE_ENTRIES)
    problems.push(
      `table ${index}: maximum of ${table.max} entries, more than the ${MAX_TABLE_ENTRIES} allowed`,
    )
}

// The cap holds for all tables together: many tables within the cap each add up to the same host heap.
function checkTableTotal(tables: readonly Limits[], problems: string[]): void {
  if (tables.length > MAX_TABLES)
    problems.push(`tables: ${tables.length} tables, more than the ${MAX_TABLES} allowed`)
  const total = tables.reduce((sum, t) => sum + (t.max ?? t.min), 0)
  if (total > MAX_TABLE_ENTRIES && tables.every((t) => (t.max ?? t.min) <= MAX_TABLE_ENTRIES))
    problems.push(
      `tables: a maximum of ${total} entries in all, more than the ${MAX_TABLE_ENTRIES} allowed`,
    )
}

function expectedType(module: string, name: string): FuncType | undefined {
  if (module === 'env') return ENV_FUNCTIONS.get(name)
  if (module === SANDTIER_MODULE) return SANDTIER_FUNCTIONS.get(name)
  if (module === WASI_MODULE) return WASI_FUNCTIONS.get(name)
  return undefined
}

function planMemory(
  entry: ModuleImport | undefined,
  { memoryPages, maxMemoryPages }: ModulePolicyOptions,
  problems: string[],
): ModulePlan['memory'] {
  if (entry === undefined || entry.desc.kind !== 'memory') return undefined
  const { min, max, shared, is64 } = entry.desc.limits
  if (shared) problems.push('env.memory: shared memory is not allowed')
  if (is64) problems.push('env.memory: 64-bit memory is not allowed')
  if (min > maxMemoryPages)
    problems.push(
      `env.memory: needs at least ${min} pages, more than the limit of ${maxMemoryPages} pages (${maxMemoryPages * WASM_PAGE_BYTES} bytes)`,
    )
  const initial = Math.min(Math.max(memoryPages, min), maxMemoryPages)
  const maximum = Math.min(maxMemoryPages, max ?? maxMemoryPages)
  if (maximum < initial)
    problems.push(
      `env.memory: declares a maximum of ${maximum} pages, below the ${initial} pages it needs`,
    )
  return { initial, maximum }
}

// Static data is written at instantiation: refuse what can never fit before any page is committed.
function checkData(info: ModuleInfo, memory: ModulePlan['memory'], problems: string[]): void {
  const limitBytes = (memory?.maximum ?? 0) * WASM_PAGE_BYTES
  let total = 0
  for (const [i, segment] of info.dataSegments.entries()) {
    if (!segment.active) continue
    total += segment.size
    if (segment.offset === undefined) continue
    const end = segment.offset + segment.size
    if (end > limitBytes)
      problems.push(
        `data segment ${i}: ends at byte ${end}, past the memory limit of ${limitBytes} bytes`,
      )
  }
  if (total > limitBytes && !problems.some((p) => p.startsWith('data segment')))
    problems.push(
      `data segments: ${total} bytes, more than the memory limit of ${limitBytes} bytes`,
    )
}
