/**
 * util.inspect of primitives, as Node 20 shows them: strings quoted and escaped the way Node picks its quotes
 * (long ones broken at newlines and cut at maxStringLength), -0, bigints, symbols.
 *
 * A piece of the 'inspect' part's function body (prelude-inspect.ts joins the pieces in order, into one
 * part compiled with the context): the helpers and primordials of that file, and the functions of the other
 * pieces, are in scope.
 */
export const INSPECT_PRIMITIVES = String.raw`
  function escapeCode(c) {
    switch (c) {
      case 8: return '\\b'
      case 9: return '\\t'
      case 10: return '\\n'
      case 12: return '\\f'
      case 13: return '\\r'
      case 39: return "\\'"
      case 92: return '\\\\'
    }
    return '\\x' + hex(c, 2)
  }
  // A string as Node quotes it: single quotes, or double quotes or backticks when that avoids escaping.
  function strEscape(s) {
    let quote = 39
    if (has(s, "'")) {
      if (!has(s, '"')) quote = -1
      else if (!has(s, '\x60') && !has(s, '$' + '{')) quote = -2
    }
    let out = '', last = 0
    const n = s.length
    for (let i = 0; i < n; i++) {
      const c = apply(charCodeAt, s, [i])
      let escaped
      if (c === quote || c === 92 || c < 32 || (c > 126 && c < 160)) escaped = escapeCode(c)
      else if (c >= 0xd800 && c <= 0xdfff) {
        if (c <= 0xdbff && i + 1 < n) {
          const d = apply(charCodeAt, s, [i + 1])
          if (d >= 0xdc00 && d <= 0xdfff) { i++; continue }
        }
        escaped = '\\u' + apply(P.numToString, c, [16])
      } else continue
      out += slice(s, last, i) + escaped
      last = i + 1
    }
    if (last === 0) out = s
    else out += slice(s, last)
    return quote === -1 ? '"' + out + '"' : quote === -2 ? '\x60' + out + '\x60' : "'" + out + "'"
  }
  function formatNumber(n) { return n === 0 && 1 / n < 0 ? '-0' : '' + n }
  function moreItems(n, what) { return '... ' + n + ' more ' + what + (n > 1 ? 's' : '') }

  function formatPrimitive(ctx, v) {
    switch (typeof v) {
      case 'string': {
        let trailer = ''
        if (v.length > ctx.maxStringLength) {
          trailer = moreItems(v.length - ctx.maxStringLength, 'character')
          v = slice(v, 0, ctx.maxStringLength)
        }
        // Past the budget the text is cut anyway: never escape more of it than could be shown.
        if (v.length > ctx.left + 2) v = slice(v, 0, ctx.left > 0 ? ctx.left + 2 : 2)
        if (v.length > 16 && v.length > ctx.breakLength - ctx.indentationLvl - 4) {
          const sep = ' +\n' + spaces(ctx.indentationLvl + 2)
          let out = '', start = 0
          for (;;) {
            const i = apply(strIndexOf, v, ['\n', start])
            const end = i < 0 || i === v.length - 1 ? v.length : i + 1
            out += (start ? sep : '') + strEscape(slice(v, start, end))
            if (end === v.length) break
            start = end
          }
          return spend(ctx, out + trailer)
        }
        return spend(ctx, strEscape(v) + trailer)
      }
      case 'number': return spend(ctx, formatNumber(v))
      case 'bigint': return spend(ctx, StringCtor(v) + 'n')
      case 'symbol': return spend(ctx, P.clip(StringCtor(v), ctx.left > 0 ? ctx.left : 0))
      default: return spend(ctx, StringCtor(v))
    }
  }
`
