/**
 * A bounds-checked cursor over wasm binary bytes: LEB128 integers, names, fixed bytes. Every read past the end
 * throws a ValidationError, so a truncated or hostile module can never make the parser read out of range.
 */
import { ValidationError } from '../../errors.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

export class WasmReader {
  readonly bytes: Uint8Array
  offset: number
  readonly end: number

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length) {
    this.bytes = bytes
    this.offset = offset
    this.end = end
  }

  get done(): boolean {
    return this.offset >= this.end
  }

  byte(): number {
    if (this.offset >= this.end) throw malformed('unexpected end of module', this.offset)
    return this.bytes[this.offset++] as number
  }

  /** Unsigned LEB128 up to 32 bits. */
  u32(): number {
    let result = 0
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte()
      result += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) throw malformed('integer too large', this.offset)
        return result
      }
    }
    throw malformed('integer representation too long', this.offset)
  }

  /** Unsigned LEB128 up to 64 bits, as a number (inexact past 2^53; only ever compared to small caps). */
  u64(): number {
    let result = 0
    for (let shift = 0; shift < 70; shift += 7) {
      const b = this.byte()
      result += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) return result
    }
    throw malformed('integer representation too long', this.offset)
  }

  /** Signed LEB128 up to 32 bits. */
  s32(): number {
    let result = 0
    let shift = 0
    let b: number
    do {
      if (shift >= 35) throw malformed('integer representation too long', this.offset)
      b = this.byte()
      result |= (b & 0x7f) << shift
      shift += 7
    } while ((b & 0x80) !== 0)
    return shift < 32 && (b & 0x40) !== 0 ? result | (~0 << shift) : result
  }

  /** Skips a signed LEB128 of any width. */
  skipLeb(): void {
    for (let i = 0; i < 10; i++) if ((this.byte() & 0x80) === 0) return
    throw malformed('integer representation too long', this.offset)
  }

  skip(count: number): void {
    if (count < 0 || this.offset + count > this.end)
      throw malformed('unexpected end of module', this.offset)
    this.offset += count
  }

  name(): string {
    const length = this.u32()
    const start = this.offset
    this.skip(length)
    try {
      return utf8.decode(this.bytes.subarray(start, start + length))
    } catch {
      throw malformed('name is not valid UTF-8', start)
    }
  }

  /** A reader over the next `length` bytes; this reader moves past them. */
  sub(length: number): WasmReader {
    const start = this.offset
    this.skip(length)
    return new WasmReader(this.bytes, start, start + length)
  }
}

export function malformed(reason: string, offset: number): ValidationError {
  return new ValidationError('Malformed wasm module', [`${reason} at byte ${offset}`])
}
