/**
 * The guest's stdout and stderr inside the worker: bytes are counted as they are written (not after
 * buffering), the run stops at `maxOutputBytes`, and chunks are streamed to the host while the guest runs, so
 * output written before a timeout is not lost with the terminated worker. Chunks keep the order written,
 * stdout and stderr interleaved; when someone listens (RunMessage.stream) they go out sooner and smaller,
 * at every host call, and all before the run's reply.
 */
import { outputText, type OutputText } from '../output-text.js'
import type { OutputEvent, OutputPiece } from './protocol.js'

/** Thrown through the guest's frames when its output reaches the limit. */
export class OutputLimitReached extends Error {
  override name = 'OutputLimitReached'
  constructor(readonly maxBytes: number) {
    super(`output exceeded ${maxBytes} bytes`)
  }
}

/** Thrown by `sandtier.output` when the run's value alone is longer than `maxOutputBytes` (nothing was copied). */
export class ResultLimitReached extends Error {
  override name = 'ResultLimitReached'
  constructor(readonly maxBytes: number) {
    super(`result exceeded ${maxBytes} bytes`)
  }
}

type Stream = OutputPiece['stream']

/** Stream buffered output to the host at least this often (ms) or past this size (chars). */
const FLUSH_MS = 20
const FLUSH_CHARS = 64 * 1024
/** The same when someone listens: smaller batches, and the first write of a run goes out at once. */
const LISTENED_FLUSH_CHARS = 4096

export class OutputSink {
  readonly #maxBytes: number
  readonly #post: (event: Omit<OutputEvent, 'token'>) => void
  readonly #listened: boolean
  readonly #flushChars: number
  #pending: OutputPiece[] = []
  #pendingChars = 0
  #lastFlush: number
  #bytes = 0
  /** WASI writes bytes: one decoder per stream, so a character split across two writes stays whole. */
  #text: OutputText | undefined
  truncated = false

  /** @param listened the run's output has a listener (RunMessage.stream) */
  constructor(maxBytes: number, post: (event: Omit<OutputEvent, 'token'>) => void, listened = false) {
    this.#maxBytes = maxBytes
    this.#post = post
    this.#listened = listened
    this.#flushChars = listened ? LISTENED_FLUSH_CHARS : FLUSH_CHARS
    this.#lastFlush = listened ? -Infinity : performance.now()
  }

  /** Bytes still allowed. */
  get room(): number {
    return this.#maxBytes - this.#bytes
  }

  /**
   * Appends text; past the limit keeps what fits and throws OutputLimitReached.
   * @throws OutputLimitReached
   */
  write(stream: Stream, text: string): void {
    if (text.length === 0) return
    const size = Buffer.byteLength(text)
    if (size > this.room) {
      const kept = utf8Prefix(text, Math.max(0, this.room))
      this.#append(stream, kept)
      this.#bytes = this.#maxBytes
      this.truncated = true
      throw new OutputLimitReached(this.#maxBytes)
    }
    this.#bytes += size
    this.#append(stream, text)
    const now = performance.now()
    if (this.#pendingChars >= this.#flushChars || now - this.#lastFlush >= FLUSH_MS) this.flush(now)
  }

  /**
   * Appends bytes (WASI fd_write) as text; an incomplete character at the end waits for the next write.
   * @throws OutputLimitReached
   */
  writeBytes(stream: Stream, bytes: Uint8Array): void {
    this.#text ??= outputText((s, text) => this.write(s, text))
    this.#text.bytes(stream, bytes)
  }

  /**
   * The run ended: an incomplete character still held becomes U+FFFD (as a decoder ends), and a listened
   * run's output all goes out now, before its reply.
   * @throws OutputLimitReached when that character does not fit
   */
  end(): void {
    try {
      this.#text?.end()
    } finally {
      this.#text = undefined
      if (this.#listened) this.flush()
    }
  }

  /** The guest is about to block on the host (a host call): a listened run's output goes out first. */
  beforeHostCall(): void {
    if (this.#listened) this.flush()
  }

  /** Sends what is buffered to the host. */
  flush(now = performance.now()): void {
    if (this.#pending.length === 0) return
    this.#lastFlush = now
    const pieces = this.#pending
    this.#pending = []
    this.#pendingChars = 0
    this.#post({ type: 'output', pieces })
  }

  /** What is still buffered, for the final reply (the cheap path for short runs: no extra message). */
  drain(): { stdout: string; stderr: string } {
    const out = { stdout: '', stderr: '' }
    for (const piece of this.#pending) out[piece.stream] += piece.text
    this.#pending = []
    this.#pendingChars = 0
    return out
  }

  #append(stream: Stream, text: string): void {
    if (text.length === 0) return
    const last = this.#pending[this.#pending.length - 1]
    if (last?.stream === stream) last.text += text
    else this.#pending.push({ stream, text })
    this.#pendingChars += text.length
  }
}

/** The longest prefix of `text` whose UTF-8 is at most `maxBytes`, cut between characters (no U+FFFD). */
export function utf8Prefix(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text)
  let end = Math.min(maxBytes, bytes.length)
  // Back off continuation bytes (10xxxxxx) so the cut falls before a character's first byte.
  while (end > 0 && end < bytes.length && ((bytes[end] as number) & 0xc0) === 0x80) end--
  return bytes.subarray(0, end).toString()
}
