/**
 * Parser for Docker's multiplexed attach stream (Tty false): frames of an 8-byte header
 * `[stream, 0, 0, 0, size (uint32 big-endian)]` followed by `size` payload bytes, stream 1 = stdout,
 * 2 = stderr. Payloads are handed out as they arrive (a frame may span chunks), so output is counted while it
 * streams and never buffered whole here.
 */

/** Which output a payload belongs to. */
export type OutputStream = 'stdout' | 'stderr'

const HEADER_BYTES = 8

export class FrameDemuxer {
  readonly #onPayload: (stream: OutputStream, payload: Buffer) => void
  readonly #header = Buffer.alloc(HEADER_BYTES)
  #headerFill = 0
  #stream: OutputStream = 'stdout'
  #drop = false
  #remaining = 0

  constructor(onPayload: (stream: OutputStream, payload: Buffer) => void) {
    this.#onPayload = onPayload
  }

  /** True between frames: the stream ended cleanly if it ends now. */
  get atFrameBoundary(): boolean {
    return this.#remaining === 0 && this.#headerFill === 0
  }

  /**
   * Feeds one chunk of the raw stream.
   * @throws Error on a header with an unknown stream type (the stream is not multiplexed or is corrupt).
   */
  push(chunk: Buffer): void {
    let offset = 0
    while (offset < chunk.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - offset)
        this.#remaining -= take
        if (!this.#drop) this.#onPayload(this.#stream, chunk.subarray(offset, offset + take))
        offset += take
        continue
      }
      const take = Math.min(HEADER_BYTES - this.#headerFill, chunk.length - offset)
      chunk.copy(this.#header, this.#headerFill, offset, offset + take)
      this.#headerFill += take
      offset += take
      if (this.#headerFill < HEADER_BYTES) break
      this.#headerFill = 0
      const type = this.#header[0]
      // Stream 0 (stdin echo) never carries guest output; it is parsed and dropped.
      if (type !== 0 && type !== 1 && type !== 2)
        throw new Error(`unexpected frame type ${String(type)} in the exec stream`)
      this.#stream = type === 2 ? 'stderr' : 'stdout'
      this.#drop = type === 0
      this.#remaining = this.#header.readUInt32BE(4)
    }
  }
}
