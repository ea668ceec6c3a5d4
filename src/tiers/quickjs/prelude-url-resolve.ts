/**
 * A URL string as given (surrounding spaces and controls dropped, tabs and newlines removed), resolved
 * against an optional base into the absolute URL that is then parsed.
 *
 * A piece of the 'url' part's function body (prelude-url.ts joins the pieces in order, into one part
 * compiled on first use): the helpers and primordials of that file, and the functions of the other pieces,
 * are in scope.
 */
export const URL_RESOLVE = String.raw`
  // Leading and trailing C0 controls and spaces go, tabs and newlines anywhere go.
  function clean(input) {
    let start = 0, end = input.length
    while (start < end && code(input, start) <= 0x20) start++
    while (end > start && code(input, end - 1) <= 0x20) end--
    let out = ''
    for (let i = start; i < end; i++) {
      const c = code(input, i)
      if (c !== 9 && c !== 10 && c !== 13) out += input[i]
    }
    return out
  }
  // The absolute form of input against base (a URL record), as a string to parse.
  function resolve(input, base) {
    const m = apply(P.reExec, SCHEME, [input])
    if (m !== null) {
      const scheme = lower(m[0])
      const rest = slice(input, m[0].length)
      // 'http:foo' against an http base is relative (special schemes only).
      if (scheme !== base.protocol || SPECIAL[scheme] === undefined || rest[0] === '/' || rest[0] === '\\') return input
      input = rest
    }
    if (base === undefined) return undefined
    const special = SPECIAL[base.protocol] !== undefined
    const first = input[0], second = input[1]
    const slash = function (c) { return c === '/' || (special && c === '\\') }
    if (base.opaque) return first === '#' ? base.protocol + base.pathname + base.search + input : undefined
    if (slash(first) && slash(second)) return base.protocol + input
    if (slash(first)) return base.protocol + authorityOf(base) + input
    if (input === '') return base.protocol + authorityOf(base) + base.pathname + base.search
    if (first === '?') return base.protocol + authorityOf(base) + base.pathname + input
    if (first === '#') return base.protocol + authorityOf(base) + base.pathname + base.search + input
    const dir = slice(base.pathname, 0, lastIndexOf(base.pathname, '/') + 1)
    return base.protocol + authorityOf(base) + (dir === '' ? '/' : dir) + input
  }
  function parse(input, base) {
    input = clean(input)
    let baseRecord
    if (base !== undefined) {
      baseRecord = parseAbsolute(clean(StringCtor(base)))
      if (baseRecord === undefined) return undefined
    }
    const absolute = baseRecord === undefined ? input : resolve(input, baseRecord)
    return absolute === undefined ? undefined : parseAbsolute(absolute)
  }
`
