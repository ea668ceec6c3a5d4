/**
 * A run's console output on its way to the host while the run goes on (ExecMessage.stream): pieces kept by
 * the output cap are batched in the order written, stdout and stderr interleaved, and posted as one message
 * when enough is pending, when enough time passed, or when the run yields to the worker's event loop.
 */

/** One piece of output, in the order the guest wrote it. */
export interface OutputPiece {
  stream: 'stdout' | 'stderr'
  text: string
}

/** Post at a write once this many bytes are pending (UTF-16 units: close enough, and free to count). */
export const FLUSH_PENDING_CHARS = 4096
/**
 * Post at a write once this long passed since the last post: a synchronous loop that prints and spins never
 * yields, so the write itself looks at the clock. The first write of a run posts at once (no post before it).
 */
export const FLUSH_INTERVAL_MS = 20

export class OutputBatch {
  readonly #post: (pieces: OutputPiece[]) => void
  #pieces: OutputPiece[] = []
  #pendingChars = 0
  #lastPostMs = -Infinity

  constructor(post: (pieces: OutputPiece[]) => void) {
    this.#post = post
  }

  /** Adds kept output; posts when the batch is large or old enough. */
  add(stream: OutputPiece['stream'], text: string): void {
    if (text.length === 0) return
    const last = this.#pieces[this.#pieces.length - 1]
    if (last?.stream === stream) last.text += text
    else this.#pieces.push({ stream, text })
    this.#pendingChars += text.length
    if (this.#pendingChars >= FLUSH_PENDING_CHARS) return this.flush()
    const now = performance.now()
    if (now - this.#lastPostMs >= FLUSH_INTERVAL_MS) this.flush(now)
  }

  /** Posts what is pending, if anything (a yield point, or the run's end before its reply). */
  flush(now = performance.now()): void {
    if (this.#pieces.length === 0) return
    this.#lastPostMs = now
    const pieces = this.#pieces
    this.#pieces = []
    this.#pendingChars = 0
    this.#post(pieces)
  }
}
