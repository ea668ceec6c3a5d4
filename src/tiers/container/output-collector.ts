/**
 * Collects a run's stdout and stderr while they stream: counts guest bytes against maxOutputBytes (stdout and
 * stderr together), keeps at most that many, and splits the harness's report line off the end of stderr.
 *
 * The report is `\n\0sandtier:<nonce>:<json>\n`, written by the harness after the guest finished. The nonce is
 * random per run, so guest output cannot be mistaken for it by accident; a guest that forges it only changes
 * its own result. The report's bytes never count as output and never appear in `stderr`.
 */
import type { OutputStream } from './frame-demuxer.js'

export interface CollectorOptions {
  maxOutputBytes: number
  /** The run's report nonce; undefined for runs without a harness (shell). */
  nonce: string | undefined
  /** Largest report kept; a larger one is dropped and flagged. */
  maxReportBytes: number
  /** Called once, when guest output first goes past maxOutputBytes. */
  onLimit: () => void
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
}

type ReportState = 'guest' | 'report' | 'after'

export class OutputCollector {
  readonly #options: CollectorOptions
  readonly #marker: Buffer | undefined
  readonly #kept: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] }
  #keptBytes = 0
  #seenBytes = 0
  #truncated = false
  #state: ReportState = 'guest'
  #held: Buffer = Buffer.alloc(0)
  #report: Buffer[] = []
  #reportBytes = 0
  #reportTooLarge = false

  constructor(options: CollectorOptions) {
    this.#options = options
    this.#marker =
      options.nonce === undefined ? undefined : Buffer.from(`\n\0sandtier:${options.nonce}:`)
  }

  /** True once guest output went past the limit. */
  get exceeded(): boolean {
    return this.#truncated
  }

  write(stream: OutputStream, chunk: Buffer): void {
    if (stream === 'stdout' || this.#marker === undefined) this.#guest(stream, chunk)
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
    } else this.#report.push(Buffer.from(part))
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
      this.#kept[stream].push(Buffer.from(chunk))
      this.#keptBytes += chunk.length
      return
    }
    if (room > 0) this.#kept[stream].push(Buffer.from(chunk.subarray(0, room)))
    this.#keptBytes += Math.max(room, 0)
    if (!this.#truncated) {
      this.#truncated = true
      this.#options.onLimit()
    }
  }

  /** Ends collection: flushes held bytes and returns what was kept. */
  finish(): CollectedOutput {
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
    }
  }
}

/** Length of the longest suffix of `data` that is a proper prefix of `marker`. */
export function partialMarkerLength(data: Buffer, marker: Buffer): number {
  const max = Math.min(marker.length - 1, data.length)
  for (let n = max; n > 0; n--) {
    if (data.subarray(data.length - n).equals(marker.subarray(0, n))) return n
  }
  return 0
}
