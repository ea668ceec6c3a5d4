/**
 * util.inspect of what holds items: arrays (sparse ones with `<n empty items>`, counted without one step per
 * hole), typed arrays, ArrayBuffers, Sets, Maps and promises; at most maxArrayLength items each.
 *
 * A piece of the 'inspect' part's function body (prelude-inspect.ts joins the pieces in order, into one
 * part compiled with the context): the helpers and primordials of that file, and the functions of the other
 * pieces, are in scope.
 */
export const INSPECT_COLLECTIONS = String.raw`
  function formatArray(ctx, v, depth, length) {
    const out = list()
    const max = length < ctx.maxArrayLength ? length : ctx.maxArrayLength
    let i = 0
    for (; i < max && ctx.left > 0; i++) {
      if (!hasOwn(v, i)) return formatSparse(ctx, v, depth, length, out, i)
      push(out, formatProperty(ctx, v, depth, i, ARRAY))
    }
    if (length > i) push(out, moreItems(length - i, 'item'))
    return out
  }
  // Holes shown as '<n empty items>', counted from the array's keys (never one step per hole), or by
  // scanning at most MAX_KEYED_LENGTH indices of a longer array.
  function formatSparse(ctx, v, depth, length, out, i) {
    const max = ctx.maxArrayLength
    let index = i
    const keys = length <= MAX_KEYED_LENGTH ? P.ownKeys(v) : undefined
    function holes(n) { push(out, '<' + n + ' empty item' + (n > 1 ? 's' : '') + '>') }
    if (keys !== undefined) {
      for (let k = i; k < keys.length && out.length < max && ctx.left > 0; k++) {
        const key = keys[k]
        if (!isIndex(key)) break
        const n = P.NumberCtor(key)
        if (n !== index) {
          holes(n - index)
          index = n
          if (out.length === max) break
        }
        push(out, formatProperty(ctx, v, depth, key, ARRAY))
        index++
      }
    } else {
      for (let steps = 0; index < length && out.length < max && steps < MAX_KEYED_LENGTH && ctx.left > 0; steps++) {
        if (hasOwn(v, index)) { push(out, formatProperty(ctx, v, depth, index, ARRAY)); index++; continue }
        let end = index
        while (end < length && !hasOwn(v, end) && steps < MAX_KEYED_LENGTH) { end++; steps++ }
        holes(end - index)
        index = end
      }
    }
    const remaining = length - index
    if (out.length !== max && remaining > 0 && keys !== undefined) holes(remaining)
    else if (remaining > 0) push(out, moreItems(remaining, 'item'))
    return out
  }

  function formatTypedArray(ctx, v, length) {
    const out = list()
    const max = length < ctx.maxArrayLength ? length : ctx.maxArrayLength
    for (let i = 0; i < max && ctx.left > 0; i++) {
      const x = v[i]
      push(out, spend(ctx, typeof x === 'bigint' ? StringCtor(x) + 'n' : formatNumber(x)))
    }
    if (length > max) push(out, moreItems(length - max, 'item'))
    return out
  }
  function formatArrayBuffer(ctx, v, byteLength) {
    const bytes = new P.typedArrays.Uint8Array(v)
    const max = byteLength < ctx.maxArrayLength ? byteLength : ctx.maxArrayLength
    let s = ''
    for (let i = 0; i < max; i++) s += (i ? ' ' : '') + hex(bytes[i], 2)
    if (byteLength > max) s += ' ' + moreItems(byteLength - max, 'byte')
    const out = list()
    push(out, spend(ctx, '[Uint8Contents]: <' + s + '>'))
    push(out, spend(ctx, 'byteLength: ' + byteLength))
    return out
  }
  function formatSet(ctx, v, depth, size) {
    const out = list()
    const max = size < ctx.maxArrayLength ? size : ctx.maxArrayLength
    const it = apply(P.setValues, v, [])
    ctx.indentationLvl += 2
    for (let i = 0; i < max && ctx.left > 0; i++) {
      const r = apply(P.setIterNext, it, [])
      if (r.done) break
      push(out, formatValue(ctx, r.value, depth))
    }
    ctx.indentationLvl -= 2
    if (size > max) push(out, moreItems(size - max, 'item'))
    return out
  }
  function formatMap(ctx, v, depth, size) {
    const out = list()
    const max = size < ctx.maxArrayLength ? size : ctx.maxArrayLength
    const it = apply(P.mapEntries, v, [])
    ctx.indentationLvl += 2
    for (let i = 0; i < max && ctx.left > 0; i++) {
      const r = apply(P.mapIterNext, it, [])
      if (r.done) break
      const entry = r.value
      const k = formatValue(ctx, entry[0], depth)
      push(out, k + spend(ctx, ' => ') + formatValue(ctx, entry[1], depth))
    }
    ctx.indentationLvl -= 2
    if (size > max) push(out, moreItems(size - max, 'item'))
    return out
  }
  function formatPromise(ctx, v, depth, state) {
    const out = list()
    if (state === 0) push(out, spend(ctx, '<pending>'))
    else {
      ctx.indentationLvl += 2
      const str = formatValue(ctx, P.native.promiseResult(v), depth)
      ctx.indentationLvl -= 2
      push(out, state === 2 ? spend(ctx, '<rejected> ') + str : str)
    }
    return out
  }
`
