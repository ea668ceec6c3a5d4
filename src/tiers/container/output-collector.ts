/**
 * Collects a run's stdout and stderr while they stream: counts guest bytes against maxOutputBytes (stdout and
 * stderr together), keeps at most that many, and splits the harness's report line off the end of stderr.
 *
 * The report is `\0sandtier:<nonce>:<json>\n`, written by the harness after the guest finished. The nonce is
 * random per run, so guest output cannot be mistaken for it by accident; a guest that forges it only changes
 * its own result. The report's bytes never count as output and never appear in `stderr`, but they are counted
 * too, against maxReportBytes: every byte received counts against one cap or the other, and the moment
 * either is passed onLimit stops the run (a guest that opens a report line and never ends it is not a way
 * around the output cap).
 */
import type { OutputStream } from './frame-demuxer.js'

export interface CollectorOptions {
  maxOutputBytes: number
  /** The run's report nonce; undefined for runs without a harness (shell). */
  nonce: string | undefined
  /** run-guest.sh's nonce: its line `\0sandtier-end:<nonce>\n`, when it ends stderr, is split off. */
  endNonce?: string | undefined
  /** Largest report; a larger one is dropped and flagged, and stops the run like output does. */
  maxReportBytes: number
  /** Called once, when guest output first goes past maxOutputBytes or the report past maxReportBytes. */
  onLimit: () => void
  /** Called with each piece of guest output kept, in order, as it is kept (what the result will hold). */
  onKept?: ((stream: OutputStream, bytes: Buffer) => void) | undefined
}

export interface CollectedOutput {
  stdout: string
  stderr: string
  /** Guest output went past maxOutputBytes and was cut. */
  truncated: boolean
  /** Guest output bytes seen (kept or not). */
  outputBytes: number
  /** The report's JSON text, when the harness wrote one. */
  report: string | undefined
  reportTooLarge: boolean
  /** stderr ended with run-guest.sh's line: it found nothing of the run alive after the command. */
  endVerified: boolean
}

type ReportState = 'guest' | 'report' | 'after'

export class OutputCollector {
  readonly #options: CollectorOptions
  readonly #marker: Buffer | undefined
  readonly #endMarker: Buffer | undefined
  /**
   * The last stderr bytes, held back while they could be (the start of) run-guest.sh's line, which counts
   * only where it ends the stream. Only such bytes wait: other output streams on as it comes.
   */
  #tail: Buffer = Buffer.alloc(0)
  readonly #kept: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] }
  #keptBytes = 0
  #seenBytes = 0
  #truncated = false
  #state: ReportState = 'guest'
  #held: Buffer = Buffer.alloc(0)
  #report: Buffer[] = []
  #reportBytes = 0
  #reportTooLarge = false
  #limitReached = false

  constructor(options: CollectorOptions) {
    this.#options = options
    this.#marker =
      options.nonce === undefined ? undefined : Buffer.from(`\0sandtier:${options.nonce}:`)
    this.#endMarker =
      options.endNonce === undefined
        ? undefined
        : Buffer.from(`\0sandtier-end:${options.endNonce}\n`)
  }

  /** True once guest output or the report went past its cap. */
  get exceeded(): boolean {
    return this.#limitReached
  }

  #limit(): void {
    if (this.#limitReached) return
    this.#limitReached = true
    this.#options.onLimit()
  }

  write(stream: OutputStream, chunk: Buffer): void {
    if (stream === 'stdout') return this.#guest(stream, chunk)
    if (this.#endMarker === undefined) return this.#stderrIn(chunk)
    // Everything but a tail that could begin the line goes on at once; that waits for more or finish().
    const data = this.#tail.length > 0 ? Buffer.concat([this.#tail, chunk]) : chunk
    const cut = data.length - partialMarkerLength(data, this.#endMarker, true)
    this.#tail = Buffer.from(data.subarray(cut))
    if (cut > 0) this.#stderrIn(data.subarray(0, cut))
  }

  #stderrIn(chunk: Buffer): void {
    if (this.#marker === undefined) this.#guest('stderr', chunk)
    else this.#stderr(chunk, this.#marker)
  }

  #stderr(chunk: Buffer, marker: Buffer): void {
    if (this.#state === 'after') return this.#guest('stderr', chunk)
    if (this.#state === 'report') return this.#reportBytesIn(chunk)
    const data = this.#held.length > 0 ? Buffer.concat([this.#held, chunk]) : chunk
    this.#held = Buffer.alloc(0)
    const at = data.indexOf(marker)
    if (at >= 0) {
      this.#guest('stderr', data.subarray(0, at))
      this.#state = 'report'
      return this.#reportBytesIn(data.subarray(at + marker.length))
    }
    // Hold back a tail that could be the start of the marker split across chunks.
    const keep = partialMarkerLength(data, marker)
    this.#guest('stderr', data.subarray(0, data.length - keep))
    if (keep > 0) this.#held = Buffer.from(data.subarray(data.length - keep))
  }

  #reportBytesIn(chunk: Buffer): void {
    const end = chunk.indexOf(0x0a)
    const part = end >= 0 ? chunk.subarray(0, end) : chunk
    this.#reportBytes += part.length
    if (this.#reportBytes > this.#options.maxReportBytes) {
      this.#reportTooLarge = true
      this.#report = []
      this.#limit()
    } else if (!this.#reportTooLarge) this.#report.push(Buffer.from(part))
    if (end >= 0) {
      this.#state = 'after'
      // Anything after the report (a background process still writing) is guest output again.
      if (end + 1 < chunk.length) this.#guest('stderr', chunk.subarray(end + 1))
    }
  }

  #guest(stream: OutputStream, chunk: Buffer): void {
    if (chunk.length === 0) return
    this.#seenBytes += chunk.length
    const room = this.#options.maxOutputBytes - this.#keptBytes
    if (chunk.length <= room) {
      this.#keep(stream, Buffer.from(chunk))
      this.#keptBytes += chunk.length
      return
    }
    if (room > 0) this.#keep(stream, Buffer.from(chunk.subarray(0, room)))
    this.#keptBytes += Math.max(room, 0)
    this.#truncated = true
    this.#limit()
  }

  #keep(stream: OutputStream, bytes: Buffer): void {
    this.#kept[stream].push(bytes)
    this.#options.onKept?.(stream, bytes)
  }

  /** Ends collection: flushes held bytes and returns what was kept. */
  finish(): CollectedOutput {
    const endVerified = this.#endMarker !== undefined && this.#tail.equals(this.#endMarker)
    if (!endVerified && this.#tail.length > 0) this.#stderrIn(this.#tail)
    this.#tail = Buffer.alloc(0)
    if (this.#state === 'guest' && this.#held.length > 0) this.#guest('stderr', this.#held)
    this.#held = Buffer.alloc(0)
    const report =
      this.#state !== 'guest' && !this.#reportTooLarge
        ? Buffer.concat(this.#report).toString('utf8')
        : undefined
    return {
      stdout: Buffer.concat(this.#kept.stdout).toString('utf8'),
      stderr: Buffer.concat(this.#kept.stderr).toString('utf8'),
      truncated: this.#truncated,
      outputBytes: this.#seenBytes,
      report,
      reportTooLarge: this.#reportTooLarge,
      endVerified,
    }
  }
}

/** Length of the longest suffix of `data` that is a proper prefix of `marker` (or the whole of it). */
export function partialMarkerLength(data: Buffer, marker: Buffer, whole = false): number {
  const max = Math.min(whole ? marker.length : marker.length - 1, data.length)
  for (let n = max; n > 0; n--) {
    if (data.subarray(data.length - n).equals(marker.subarray(0, n))) return n
  }
  return 0
}
