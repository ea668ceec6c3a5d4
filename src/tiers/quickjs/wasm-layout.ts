/**
 * Where the QuickJS emscripten build keeps its static data, read from the wasm binary itself.
 *
 * emscripten lays linear memory out as [static data + bss][stack, growing down][heap]. The only mutable
 * global of the build is the stack pointer, whose initial value is the top of the stack; quickjs-emscripten
 * links with `-s STACK_SIZE=5MB` (templates/Variant.mk), so the static region ends 5 MiB below it. The
 * context image (context-image.ts) copies that region and the heap; a reset zeroes the top of the stack (the
 * part QuickJS's stack limit lets a run reach) and the heap above the image's break.
 */
import { MiB } from '../../config.js'

/** The stack size quickjs-emscripten's variants are linked with. */
export const QUICKJS_STACK_BYTES = 5 * MiB

export interface StaticLayout {
  /** End of static data and bss: the bottom of the stack. */
  dataEnd: number
  /** Top of the stack (the stack pointer's initial value); the heap starts at or just above it. */
  stackHigh: number
}

const GLOBAL_SECTION = 6
const DATA_SECTION = 11
const I32 = 0x7f
const I32_CONST = 0x41

/**
 * The static layout of a wasm binary built like quickjs-emscripten's, or a reason it is not one: exactly
 * one mutable i32 global (the stack pointer) and every active data segment below the stack.
 */
export function readStaticLayout(bytes: Uint8Array): StaticLayout | { unsupported: string } {
  try {
    return parse(bytes)
  } catch (err) {
    return { unsupported: err instanceof Error ? err.message : String(err) }
  }
}

function parse(bytes: Uint8Array): StaticLayout | { unsupported: string } {
  const reader = new Reader(bytes)
  reader.pos = 8 // magic and version
  const stackPointers: number[] = []
  let dataTop = 0
  while (reader.pos < bytes.length) {
    const id = reader.byte()
    const size = reader.u32()
    const end = reader.pos + size
    if (id === GLOBAL_SECTION) {
      for (let n = reader.u32(); n > 0; n--) {
        const type = reader.byte()
        const mutable = reader.byte() === 1
        const init = reader.constExpr()
        if (type === I32 && mutable && init !== undefined) stackPointers.push(init)
      }
    } else if (id === DATA_SECTION) {
      for (let n = reader.u32(); n > 0; n--) {
        const flags = reader.u32()
        const offset = flags === 0 ? reader.constExpr() : undefined
        if (flags !== 0 && flags !== 1) return { unsupported: `data segment flags ${flags}` }
        const length = reader.u32()
        reader.pos += length
        if (offset !== undefined) dataTop = Math.max(dataTop, offset + length)
      }
    }
    reader.pos = end
  }
  if (stackPointers.length !== 1)
    return {
      unsupported: `${stackPointers.length} mutable i32 globals (expected the stack pointer only)`,
    }
  const stackHigh = stackPointers[0] as number
  const dataEnd = stackHigh - QUICKJS_STACK_BYTES
  if (dataEnd < dataTop)
    return { unsupported: `static data reaches ${dataTop}, above the stack bottom ${dataEnd}` }
  return { dataEnd, stackHigh }
}

class Reader {
  pos = 0
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    const b = this.bytes[this.pos++]
    if (b === undefined) throw new RangeError('truncated wasm binary')
    return b
  }

  u32(): number {
    let result = 0
    let shift = 0
    for (;;) {
      const b = this.byte()
      result |= (b & 0x7f) << shift
      if (!(b & 0x80)) return result >>> 0
      shift += 7
    }
  }

  i32(): number {
    let result = 0
    let shift = 0
    let b: number
    do {
      b = this.byte()
      result |= (b & 0x7f) << shift
      shift += 7
    } while (b & 0x80)
    return shift < 32 && b & 0x40 ? result | (-1 << shift) : result
  }

  /** An `i32.const N; end` initializer's N; undefined for the other constant expressions (skipped). */
  constExpr(): number | undefined {
    const op = this.byte()
    let value: number | undefined
    if (op === I32_CONST) value = this.i32()
    else if (op === 0x42)
      this.i32() // i64.const: only its length matters here
    else if (op === 0x43)
      this.pos += 4 // f32.const
    else if (op === 0x44)
      this.pos += 8 // f64.const
    else if (op === 0x23 || op === 0xd2)
      this.u32() // global.get, ref.func
    else if (op === 0xd0)
      this.byte() // ref.null
    else throw new RangeError(`unsupported constant expression opcode 0x${op.toString(16)}`)
    if (this.byte() !== 0x0b) throw new RangeError('unsupported constant expression')
    return value
  }
}
