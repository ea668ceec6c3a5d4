/**
 * The guest's stdout and stderr inside the worker: bytes are counted as they are written (not after
 * buffering), the run stops at `maxOutputBytes`, and chunks are streamed to the host while the guest runs, so
 * output written before a timeout is not lost with the terminated worker.
 */
import type { OutputEvent } from './protocol.js'

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

type Stream = 'stdout' | 'stderr'

/** Stream buffered output to the host at least this often (ms) or past this size (chars). */
const FLUSH_MS = 20
const FLUSH_CHARS = 64 * 1024

export class OutputSink {
  readonly #maxBytes: number
  readonly #post: (event: OutputEvent) => void
  readonly #pending: Record<Stream, string[]> = { stdout: [], stderr: [] }
  #pendingChars = 0
  #lastFlush = performance.now()
  #bytes = 0
  truncated = false

  constructor(maxBytes: number, post: (event: OutputEvent) => void) {
    this.#maxBytes = maxBytes
    this.#post = post
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
    if (this.#pendingChars >= FLUSH_CHARS || now - this.#lastFlush >= FLUSH_MS) this.flush(now)
  }

  /** Sends what is buffered to the host. */
  flush(now = performance.now()): void {
    this.#lastFlush = now
    this.#pendingChars = 0
    for (const stream of ['stdout', 'stderr'] as const) {
      const chunks = this.#pending[stream]
      if (chunks.length === 0) continue
      this.#pending[stream] = []
      this.#post({ type: 'output', stream, text: chunks.join('') })
    }
  }

  /** What is still buffered, for the final reply (the cheap path for short runs: no extra message). */
  drain(): { stdout: string; stderr: string } {
    const out = { stdout: this.#pending.stdout.join(''), stderr: this.#pending.stderr.join('') }
    this.#pending.stdout = []
    this.#pending.stderr = []
    this.#pendingChars = 0
    return out
  }

  #append(stream: Stream, text: string): void {
    if (text.length === 0) return
    this.#pending[stream].push(text)
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
