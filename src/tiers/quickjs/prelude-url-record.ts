/**
 * An absolute URL string parsed into its record (protocol, username, password, hostname, port, pathname,
 * search, hash, opaque), and the record serialized back into an href.
 *
 * A piece of the 'url' part's function body (prelude-url.ts joins the pieces in order, into one part
 * compiled on first use): the helpers and primordials of that file, and the functions of the other pieces,
 * are in scope.
 */
export const URL_RECORD = String.raw`
  // The URL record of an absolute URL string; undefined when it cannot be parsed.
  function parseAbsolute(input) {
    const m = apply(P.reExec, SCHEME, [input])
    if (m === null) return undefined
    const r = P.create(null)
    r.protocol = lower(m[0])
    const special = SPECIAL[r.protocol] !== undefined
    let rest = slice(input, m[0].length)
    r.hash = ''
    r.search = ''
    const hashAt = indexOf(rest, '#')
    if (hashAt >= 0) { r.hash = '#' + encode(slice(rest, hashAt + 1), fragmentSet); rest = slice(rest, 0, hashAt) }
    const queryAt = indexOf(rest, '?')
    if (queryAt >= 0) { r.search = '?' + encode(slice(rest, queryAt + 1), special ? specialQuerySet : querySet); rest = slice(rest, 0, queryAt) }
    if (r.hash === '#') r.hash = ''
    if (r.search === '?') r.search = ''
    if (special) rest = replaceBackslashes(rest)
    r.username = ''
    r.password = ''
    r.hostname = null
    r.port = ''
    r.opaque = false
    const isFile = r.protocol === 'file:'
    if (special && !isFile) rest = '//' + stripSlashes(rest)
    if (isFile && slice(rest, 0, 2) !== '//') rest = '//' + (rest[0] === '/' ? '' : '/') + rest
    if (slice(rest, 0, 2) === '//') {
      rest = slice(rest, 2)
      let end = indexOf(rest, '/')
      if (end < 0) end = rest.length
      let authority = slice(rest, 0, end)
      rest = slice(rest, end)
      const at = lastIndexOf(authority, '@')
      if (at >= 0) {
        if (isFile) return undefined
        const info = slice(authority, 0, at)
        authority = slice(authority, at + 1)
        const colon = indexOf(info, ':')
        r.username = encode(colon < 0 ? info : slice(info, 0, colon), userinfoSet)
        r.password = colon < 0 ? '' : encode(slice(info, colon + 1), userinfoSet)
      }
      const close = lastIndexOf(authority, ']')
      const colon = lastIndexOf(authority, ':')
      if (colon > close) {
        const port = slice(authority, colon + 1)
        authority = slice(authority, 0, colon)
        if (port !== '') {
          if (apply(P.reExec, /^[0-9]+$/, [port]) === null || isFile) return undefined
          const n = P.parseInt(port, 10)
          if (n > 65535) return undefined
          r.port = SPECIAL[r.protocol] === '' + n ? '' : '' + n
        }
      }
      if (authority === '') {
        if (special && !isFile) return undefined
        r.hostname = ''
      } else {
        const host = parseHost(authority, special)
        if (host === undefined) return undefined
        r.hostname = isFile && host === 'localhost' ? '' : host
      }
      r.pathname = normalizePath(rest === '' ? (special ? '/' : '') : rest, special, isFile)
    } else if (rest[0] === '/') {
      r.pathname = normalizePath(rest, special, false)
    } else {
      r.opaque = true
      r.pathname = encode(rest, c0Set)
    }
    return r
  }
  function replaceBackslashes(s) {
    let out = ''
    for (let i = 0; i < s.length; i++) out += s[i] === '\\' ? '/' : s[i]
    return out
  }
  function stripSlashes(s) {
    let i = 0
    while (i < s.length && s[i] === '/') i++
    return slice(s, i)
  }
  function lastIndexOf(s, c) {
    for (let i = s.length - 1; i >= 0; i--) if (s[i] === c) return i
    return -1
  }
  function authorityOf(r) {
    if (r.hostname === null) return ''
    let info = r.username
    if (r.password !== '') info += ':' + r.password
    return '//' + (info !== '' ? info + '@' : '') + r.hostname + (r.port !== '' ? ':' + r.port : '')
  }
  function hrefOf(r) { return r.protocol + authorityOf(r) + r.pathname + r.search + r.hash }
`
