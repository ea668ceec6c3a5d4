/**
 * The runner's wire format (images/sandbox/harness/runner.py): frames of 1 type byte, a 4-byte big-endian
 * payload length and the payload, both ways. Here: the size caps the host holds the runner's frames to, how a
 * host frame is built, and how an exit frame (guest-controlled bytes) is checked before it is believed.
 */

/** Largest payload a runner frame may carry (the runner sends at most 64 KiB of output a frame). */
export const MAX_PAYLOAD_BYTES = 64 * 1024
/** Largest exit frame: `{"code": n}`, with a session word and the out/ hint at most. */
export const MAX_EXIT_BYTES = 64
/** Bytes the runner may write to its stderr (nothing in normal operation) before the channel is dropped. */
export const MAX_STRAY_BYTES = 64 * 1024
/** Type byte and payload length. */
export const HEADER_BYTES = 5
/** Longest stderr frame kept to compare with a run's end line (`\0sandtier-end:` + 32 hex digits + `\n`). */
export const MAX_END_LINE_BYTES = 128

/** One host → runner frame. */
export function frame(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(HEADER_BYTES)
  head.write(type, 0, 'latin1')
  head.writeUInt32BE(payload.length, 1)
  return Buffer.concat([head, payload])
}

/** The largest payload a runner → host frame of this type may carry (exit and drop answers are small). */
export function maxPayloadBytes(type: string): number {
  return type === 'x' ? MAX_EXIT_BYTES : type === 'p' ? 0 : MAX_PAYLOAD_BYTES
}

/**
 * What a session request's exit frame adds (session.py): the interpreter died during the run ('lost'), or
 * there was none to run it ('none'). Undefined for one-shot runs and for a session run that went well.
 */
export type SessionWord = 'lost' | 'none' | undefined

/** What an exit frame says: the run's code, a session's word, and whether out/ holds anything. */
export interface RunExit {
  code: number
  session: SessionWord
  /**
   * The runner's word that /work/out was absent or empty after the run (false) or not (true); undefined from
   * a runner that does not say. A hint for skipping the host's listing of out/: a lie only hides the run's
   * own files from its own result.
   */
  outputWritten: boolean | undefined
}

/** The exit frame's code (0-255), session word and out/ hint; undefined when the frame is not exactly that. */
export function parseExit(payload: Buffer): RunExit | undefined {
  if (payload.length > MAX_EXIT_BYTES) return undefined
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as {
      code?: unknown
      session?: unknown
      out?: unknown
    } | null
    const code = parsed?.code
    const session = parsed?.session
    const out = parsed?.out
    if (session !== undefined && session !== 'lost' && session !== 'none') return undefined
    if (out !== undefined && typeof out !== 'boolean') return undefined
    return typeof code === 'number' && Number.isInteger(code) && code >= 0 && code < 256
      ? { code, session, outputWritten: out }
      : undefined
  } catch {
    return undefined
  }
}

/** Where a FrameReader delivers the frames it cuts out of the runner's byte stream. */
export interface FrameSink {
  /** A frame's header; false refuses the frame (the sink broke the channel: nothing more is read). */
  begin(type: string, length: number): boolean
  /** The next part of the current frame's payload (a view into the chunk: copy what is kept). */
  part(bytes: Buffer): void
  /** The current frame's payload is complete. */
  end(): void
}

/** Cuts the runner's stdout into frames as the bytes come, without holding more than one header. */
export class FrameReader {
  readonly #sink: FrameSink
  #header = Buffer.alloc(0)
  #inFrame = false
  #remaining = 0
  #stopped = false

  constructor(sink: FrameSink) {
    this.#sink = sink
  }

  /** Reads nothing more (the channel broke). */
  stop(): void {
    this.#stopped = true
  }

  push(chunk: Buffer): void {
    let offset = 0
    while (offset < chunk.length && !this.#stopped) {
      if (!this.#inFrame) {
        const need = HEADER_BYTES - this.#header.length
        this.#header = Buffer.concat([this.#header, chunk.subarray(offset, offset + need)])
        offset += Math.min(need, chunk.length - offset)
        if (this.#header.length < HEADER_BYTES) return
        const type = String.fromCharCode(this.#header[0] ?? 0)
        const length = this.#header.readUInt32BE(1)
        this.#header = Buffer.alloc(0)
        if (!this.#sink.begin(type, length)) return
        this.#inFrame = length > 0
        this.#remaining = length
        if (length === 0) this.#sink.end()
        continue
      }
      const take = Math.min(this.#remaining, chunk.length - offset)
      this.#sink.part(chunk.subarray(offset, offset + take))
      this.#remaining -= take
      offset += take
      if (this.#remaining === 0) {
        this.#inFrame = false
        this.#sink.end()
      }
    }
  }
}
