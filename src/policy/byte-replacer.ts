/**
 * Replaces byte sequences in a stream (a secret's value by its placeholder in a response, a placeholder by
 * its value in a request body) even when a sequence is split across chunks: the last (longest needle - 1)
 * bytes are held back until the next chunk or the end. Memory is bounded by a chunk plus that tail.
 */
import { Transform, type TransformCallback } from 'node:stream'

/** One replacement; `onMatch` is called for every occurrence. */
export interface ByteReplacement {
  from: Buffer
  to: Buffer
  onMatch?: () => void
}

interface Scan {
  parts: Buffer[]
  /** Where the unscanned rest begins. */
  next: number
}

// Every occurrence from the left; at one position the longest needle wins. Stops where no needle can
// still fit whole (`end`), so a needle split at `end` is found once the next chunk arrives.
function scan(data: Buffer, replacements: readonly ByteReplacement[], end: number): Scan {
  const parts: Buffer[] = []
  let position = 0
  for (;;) {
    let best: ByteReplacement | undefined
    let bestAt = -1
    for (const r of replacements) {
      const at = data.indexOf(r.from, position)
      if (at === -1 || at + r.from.length > data.length) continue
      if (
        bestAt === -1 ||
        at < bestAt ||
        (at === bestAt && r.from.length > (best?.from.length ?? 0))
      ) {
        best = r
        bestAt = at
      }
    }
    if (best === undefined || bestAt >= end) break
    parts.push(data.subarray(position, bestAt), best.to)
    best.onMatch?.()
    position = bestAt + best.from.length
  }
  return { parts, next: position }
}

/** Replaces in a whole buffer. */
export function replaceBytes(data: Buffer, replacements: readonly ByteReplacement[]): Buffer {
  if (replacements.length === 0) return data
  const { parts, next } = scan(data, replacements, data.length)
  if (parts.length === 0) return data
  parts.push(data.subarray(next))
  return Buffer.concat(parts)
}

/** A Transform that replaces while streaming. */
export class ByteReplacer extends Transform {
  readonly #replacements: readonly ByteReplacement[]
  readonly #holdBytes: number
  #tail: Buffer = Buffer.alloc(0)

  constructor(replacements: readonly ByteReplacement[]) {
    super()
    this.#replacements = replacements
    this.#holdBytes = Math.max(0, ...replacements.map((r) => r.from.length - 1))
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const data = this.#tail.length === 0 ? chunk : Buffer.concat([this.#tail, chunk])
    // A match must begin before the held-back tail; one that begins inside it waits for more bytes.
    const keepFrom = Math.max(0, data.length - this.#holdBytes)
    const { parts, next } = scan(data, this.#replacements, keepFrom)
    const emitTo = Math.max(next, keepFrom)
    parts.push(data.subarray(next, emitTo))
    this.#tail = Buffer.from(data.subarray(emitTo))
    const out = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)
    if (out.length > 0) this.push(out)
    callback()
  }

  override _flush(callback: TransformCallback): void {
    if (this.#tail.length > 0) this.push(replaceBytes(this.#tail, this.#replacements))
    this.#tail = Buffer.alloc(0)
    callback()
  }
}
