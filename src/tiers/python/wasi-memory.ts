/**
 * The guest's linear memory as the WASI calls read and write it: every pointer and length is checked against
 * the memory's current size before a byte is touched (GuestPointerFault, which the calls turn into EFAULT),
 * and the view follows the memory when the guest grows it.
 */

/** A guest pointer or length outside its memory. */
export class GuestPointerFault extends Error {
  override name = 'GuestPointerFault'
}

export class WasiMemory {
  readonly #memory: WebAssembly.Memory
  #buffer: ArrayBuffer | undefined
  #view: DataView | undefined
  #bytes: Uint8Array | undefined

  constructor(memory: WebAssembly.Memory) {
    this.#memory = memory
  }

  get byteLength(): number {
    return this.#memory.buffer.byteLength
  }

  #refresh(): void {
    const buffer = this.#memory.buffer
    if (buffer === this.#buffer) return
    this.#buffer = buffer
    this.#view = new DataView(buffer)
    this.#bytes = new Uint8Array(buffer)
  }

  #check(pointer: number, length: number): void {
    this.#refresh()
    const size = this.#buffer?.byteLength ?? 0
    if (pointer < 0 || length < 0 || pointer + length > size)
      throw new GuestPointerFault(`${length} bytes at ${pointer} are outside the guest memory`)
  }

  u8(pointer: number): number {
    this.#check(pointer, 1)
    return (this.#view as DataView).getUint8(pointer)
  }

  u16(pointer: number): number {
    this.#check(pointer, 2)
    return (this.#view as DataView).getUint16(pointer, true)
  }

  u32(pointer: number): number {
    this.#check(pointer, 4)
    return (this.#view as DataView).getUint32(pointer, true)
  }

  u64(pointer: number): bigint {
    this.#check(pointer, 8)
    return (this.#view as DataView).getBigUint64(pointer, true)
  }

  setU8(pointer: number, value: number): void {
    this.#check(pointer, 1)
    ;(this.#view as DataView).setUint8(pointer, value)
  }

  setU16(pointer: number, value: number): void {
    this.#check(pointer, 2)
    ;(this.#view as DataView).setUint16(pointer, value, true)
  }

  setU32(pointer: number, value: number): void {
    this.#check(pointer, 4)
    ;(this.#view as DataView).setUint32(pointer, value >>> 0, true)
  }

  setU64(pointer: number, value: bigint | number): void {
    this.#check(pointer, 8)
    ;(this.#view as DataView).setBigUint64(pointer, BigInt.asUintN(64, BigInt(value)), true)
  }

  /** A live view of guest bytes (no copy): the caller copies what it keeps. */
  bytes(pointer: number, length: number): Uint8Array {
    this.#check(pointer, length)
    return (this.#bytes as Uint8Array).subarray(pointer, pointer + length)
  }

  /** Copies host bytes into the guest. */
  write(pointer: number, data: Uint8Array): void {
    this.#check(pointer, data.byteLength)
    ;(this.#bytes as Uint8Array).set(data, pointer)
  }

  /** A guest string (a path), at most `maxBytes` long. */
  text(pointer: number, length: number): string {
    return Buffer.from(this.bytes(pointer, length)).toString('utf8')
  }
}
