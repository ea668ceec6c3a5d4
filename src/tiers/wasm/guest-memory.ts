/**
 * Reads and writes the guest's linear memory on behalf of host imports. Every pointer and length comes from the
 * guest: each access checks `0 <= ptr`, `0 <= len <= cap` and `ptr + len <= byteLength` before touching a byte,
 * views are re-derived on every access (the buffer is replaced when memory grows), and nothing the host
 * allocates is proportional to a length the guest chose beyond the cap.
 */
import { asStringReader } from './as-string-reader.js'

/** Thrown into the guest when it passes an invalid pointer or length to a host import. */
export class GuestFault extends Error {
  override name = 'GuestFault'
}

/** Longest AssemblyScript string `abort` and `console` imports decode, in UTF-16 units. */
export const MAX_AS_STRING_CHARS = 4096

/** The runtime class id of `String` in every AssemblyScript module (0 Object, 1 ArrayBuffer, 2 String). */
const AS_STRING_ID = 2
const INVALID_STRING = '<invalid string>'

const utf8 = new TextDecoder()
const utf16 = new TextDecoder('utf-16le')

export class GuestMemory {
  readonly #memory: WebAssembly.Memory | undefined

  constructor(memory: WebAssembly.Memory | undefined) {
    this.#memory = memory
  }

  get byteLength(): number {
    return this.#memory?.buffer.byteLength ?? 0
  }

  /** A copy of `len` bytes at `ptr`, or a GuestFault. `ptr` and `len` are the raw i32 values from wasm. */
  read(ptr: number, len: number, cap: number, what: string): Uint8Array {
    const view = this.#view(ptr, len, cap, what)
    return view.slice()
  }

  readUtf8(ptr: number, len: number, cap: number, what: string): string {
    return utf8.decode(this.#view(ptr, len, cap, what))
  }

  write(ptr: number, bytes: Uint8Array, what: string): void {
    this.#view(ptr, bytes.length, bytes.length, what).set(bytes)
  }

  /** A little-endian u32 at `ptr`. */
  u32(ptr: number, what: string): number {
    const v = this.#view(ptr, 4, 4, what)
    return (
      ((v[0] as number) |
        ((v[1] as number) << 8) |
        ((v[2] as number) << 16) |
        ((v[3] as number) << 24)) >>>
      0
    )
  }

  setU32(ptr: number, value: number, what: string): void {
    const v = this.#view(ptr, 4, 4, what)
    new DataView(v.buffer, v.byteOffset, 4).setUint32(0, value >>> 0, true)
  }

  /**
   * An AssemblyScript string, or `<invalid string>` when the pointer or its object header is out of range or
   * not a string's: decoding an abort message must never fail the host. The text is read by
   * @assemblyscript/loader's `__getString` (as-string-reader.ts), which trusts the byte length in the header:
   * the header is checked here first, against the memory and the cap, so nothing longer is ever copied.
   */
  readAsString(ptr: number, maxChars = MAX_AS_STRING_CHARS): string {
    const at = ptr >>> 0
    // The runtime header: class id at ptr - 8, byte length at ptr - 4. The loader reads both through a
    // Uint32Array index (ptr - 8 >>> 2) and the text through a Uint16Array at ptr: a pointer that is not
    // 4-aligned would make it read another header than the one checked here.
    if (at < 8 || at % 4 !== 0 || at > this.byteLength) return INVALID_STRING
    if (this.u32(at - 8, 'string header') !== AS_STRING_ID) return INVALID_STRING
    const bytes = this.u32(at - 4, 'string header')
    if (bytes % 2 !== 0 || at + bytes > this.byteLength) return INVALID_STRING
    if (bytes > maxChars * 2) {
      // The loader has no bounded read: past the cap only the first maxChars units are decoded, here.
      const prefix = utf16.decode(this.#view(at, maxChars * 2, maxChars * 2, 'string'))
      return `${prefix}…`
    }
    try {
      return asStringReader(this.#memory as WebAssembly.Memory)(at)
    } catch {
      // Not reachable with the checks above; an abort message must still never fail the host.
      return INVALID_STRING
    }
  }

  #view(ptr: number, len: number, cap: number, what: string): Uint8Array {
    // i32 values arrive signed: a pointer is unsigned, a negative length is a fault.
    const at = ptr >>> 0
    if (!Number.isInteger(len) || len < 0 || len > cap)
      throw new GuestFault(`invalid length ${len} for ${what} (at most ${cap})`)
    if (this.#memory === undefined) throw new GuestFault(`${what}: the module has no memory`)
    const buffer = this.#memory.buffer
    if (at + len > buffer.byteLength)
      throw new GuestFault(
        `${what}: bytes ${at}..${at + len} are outside the guest memory (${buffer.byteLength} bytes)`,
      )
    return new Uint8Array(buffer, at, len)
  }
}
