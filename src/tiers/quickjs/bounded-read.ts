/**
 * Strings copied out of a guest's wasm heap, each bounded before it is copied.
 *
 * A guest string handle's length is read natively (`length` of a primitive string is the string's own
 * length in QuickJS: no getter, no guest code), so a string too long for its cap is refused without a
 * single byte leaving the heap. UTF-8 takes at least one byte per UTF-16 unit, so a string of at most
 * `maxChars` units copies at most 3 × `maxChars` bytes (4 bytes per surrogate pair, 2 units).
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten'

/** Longest parts of an error description, in UTF-16 units, clipped inside the guest (and again here). */
export const ERROR_NAME_CHARS = 200
export const ERROR_MESSAGE_CHARS = 4096
export const ERROR_STACK_CHARS = 8192
/**
 * Longest description JSON read from the guest: the three parts (each one more for the ellipsis of a cut),
 * every character escaped at worst as \uXXXX (6), and the keys.
 */
export const ERROR_JSON_CHARS =
  6 * (ERROR_NAME_CHARS + ERROR_MESSAGE_CHARS + ERROR_STACK_CHARS + 3) + 64

/** The length in UTF-16 units of a guest string, read without copying it; undefined if not a string. */
export function stringLength(ctx: QuickJSContext, handle: QuickJSHandle): number | undefined {
  if (ctx.typeof(handle) !== 'string') return undefined
  return ctx.getProp(handle, 'length').consume((n) => ctx.getNumber(n))
}

/** The guest string, copied only if it has at most maxChars UTF-16 units; undefined otherwise. */
export function readString(
  ctx: QuickJSContext,
  handle: QuickJSHandle,
  maxChars: number,
): string | undefined {
  const length = stringLength(ctx, handle)
  if (length === undefined || length > maxChars) return undefined
  return ctx.getString(handle)
}

/** The first UTF-16 unit of a guest string (a tag), copied alone; undefined if it is empty or not a string. */
export function readFirstChar(ctx: QuickJSContext, handle: QuickJSHandle): string | undefined {
  const length = stringLength(ctx, handle)
  if (length === undefined || length === 0) return undefined
  return ctx.getProp(handle, 0).consume((c) => ctx.getString(c))
}
