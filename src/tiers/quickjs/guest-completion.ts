/**
 * What a run's completion says, read from the guest within bounds (bounded-read.ts): the tagged text the
 * 'complete' part settles with, or a primitive script value read directly, without running guest code.
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten'
import { ERROR_JSON_CHARS, readFirstChar, readString, stringLength } from './bounded-read.js'

/** What a run's completion said, read from the guest within bounds. */
export type Completion =
  | { kind: 'value'; json: string | undefined }
  | { kind: 'tooLarge' }
  | { kind: 'error'; json: string }
  | { kind: 'unreadable' }

/**
 * What a settled completion says, read bounded: its tag first (one character), then at most what that
 * tag allows. Anything else (not a string, unknown tag, too long) is 'unreadable'.
 */
export function readCompletion(
  ctx: QuickJSContext,
  settled: QuickJSHandle,
  maxValueChars: number,
): Completion {
  const tag = readFirstChar(ctx, settled)
  const length = stringLength(ctx, settled) ?? 0
  if (tag === 'u' && length === 1) return { kind: 'value', json: undefined }
  if (tag === 'o' && length === 1) return { kind: 'tooLarge' }
  if (tag === 'v' && length - 1 > maxValueChars) return { kind: 'tooLarge' }
  const limit = tag === 'v' ? maxValueChars + 1 : tag === 'e' ? ERROR_JSON_CHARS + 1 : 0
  const text = limit > 0 ? readString(ctx, settled, limit) : undefined
  if (text === undefined) return { kind: 'unreadable' }
  return tag === 'v'
    ? { kind: 'value', json: text.slice(1) }
    : { kind: 'error', json: text.slice(1) }
}

/**
 * The completion of a script whose value is a primitive, read without running guest code or compiling
 * the 'complete' part; undefined for anything else. A string longer than maxValueChars is too large
 * without being read (its JSON is longer still). A string that came out with U+FFFD may have held a lone
 * surrogate (lost in UTF-8): it takes the guest's JSON.stringify path, which keeps it escaped.
 */
export function readPrimitiveResult(
  ctx: QuickJSContext,
  value: QuickJSHandle,
  maxValueChars: number,
): Completion | undefined {
  switch (ctx.typeof(value)) {
    case 'undefined':
      return { kind: 'value', json: undefined }
    case 'number': {
      const n = ctx.getNumber(value)
      return { kind: 'value', json: Number.isFinite(n) ? JSON.stringify(n) : 'null' }
    }
    case 'boolean':
      return { kind: 'value', json: ctx.eq(value, ctx.true) ? 'true' : 'false' }
    case 'string': {
      const text = readString(ctx, value, maxValueChars)
      if (text === undefined) return { kind: 'tooLarge' }
      if (text.includes('\uFFFD')) return undefined
      return { kind: 'value', json: JSON.stringify(text) }
    }
    default:
      return undefined
  }
}
