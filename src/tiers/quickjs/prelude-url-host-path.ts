/**
 * A URL's host and path, normalized as Node does: hosts lower-cased and checked for forbidden code points,
 * IPv4 numbers in any of their forms ('127.1', '0x7f.1') written as four decimal parts, non-ASCII hosts
 * refused (no IDNA), IPv6 kept as written; '.' and '..' path segments resolved.
 *
 * A piece of the 'url' part's function body (prelude-url.ts joins the pieces in order, into one part
 * compiled on first use): the helpers and primordials of that file, and the functions of the other pieces,
 * are in scope.
 */
export const URL_HOST_PATH = String.raw`
  function parseNumber(s) {
    if (s === '') return NaN
    let radix = 10
    if (s.length > 1 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X')) { s = slice(s, 2); radix = 16 }
    else if (s.length > 1 && s[0] === '0') { s = slice(s, 1); radix = 8 }
    if (s === '') return 0
    const digits = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/
    return apply(P.reExec, digits, [s]) === null ? NaN : P.parseInt(s, radix)
  }
  // A special URL's host: lower-cased, IPv4 numbers normalized; undefined when invalid.
  function parseHost(raw, special) {
    if (raw[0] === '[') {
      if (raw[raw.length - 1] !== ']' || apply(P.reExec, /^\[[0-9a-fA-F:.]+\]$/, [raw]) === null) return undefined
      return lower(raw)
    }
    if (!special) {
      if (apply(P.reExec, /[\x00\t\n\r #/<>?@[\\\]^|]/, [raw]) !== null) return undefined
      return encode(raw, c0Set)
    }
    const host = lower(percentDecode(raw, false))
    if (host === '' || apply(P.reExec, /[\x00-\x20#%/:<>?@[\\\]^|\x7f]/, [host]) !== null) return undefined
    for (let i = 0; i < host.length; i++) if (code(host, i) > 0x7e) return undefined
    const labels = list()
    for (let at = 0; ;) {
      const dot = indexOf(host, '.', at)
      push(labels, slice(host, at, dot < 0 ? host.length : dot))
      if (dot < 0) break
      at = dot + 1
    }
    if (labels.length > 1 && labels[labels.length - 1] === '') labels.length = labels.length - 1
    const last = labels[labels.length - 1]
    if (!(apply(P.reExec, /^[0-9]+$/, [last]) !== null || !P.isNaN(parseNumber(last)))) return host
    if (labels.length > 4) return undefined
    let address = 0
    for (let i = 0; i < labels.length; i++) {
      const n = parseNumber(labels[i])
      if (P.isNaN(n)) return undefined
      if (i < labels.length - 1) {
        if (n > 255) return undefined
        address = address * 256 + n
      } else {
        const room = 5 - labels.length
        let limit = 1
        for (let k = 0; k < room; k++) limit *= 256
        if (n >= limit) return undefined
        address = address * limit + n
      }
    }
    let out = ''
    for (let i = 3; i >= 0; i--) {
      let div = 1
      for (let k = 0; k < i; k++) div *= 256
      out += (i < 3 ? '.' : '') + (P.floor(address / div) % 256)
    }
    return out
  }
  // Path segments with '.' and '..' resolved; a trailing dot segment leaves a trailing slash.
  function normalizePath(path, special, isFile) {
    const parts = list()
    let at = 1
    for (;;) {
      let end = indexOf(path, '/', at)
      const last = end < 0
      if (last) end = path.length
      const seg = slice(path, at, end)
      const l = lower(seg)
      if (seg === '..' || l === '.%2e' || l === '%2e.' || l === '%2e%2e') {
        if (parts.length > 0 && !(isFile && parts.length === 1 && apply(P.reExec, /^[a-zA-Z]:$/, [parts[0]]) !== null)) parts.length = parts.length - 1
        if (last) push(parts, '')
      } else if (seg === '.' || l === '%2e') {
        if (last) push(parts, '')
      } else push(parts, encode(seg, pathSet))
      if (last) break
      at = end + 1
    }
    let out = ''
    for (let i = 0; i < parts.length; i++) out += '/' + parts[i]
    return special || out !== '' ? (out === '' ? '/' : out) : out
  }
`
