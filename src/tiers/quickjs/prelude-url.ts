/**
 * The 'url' part of the guest prelude (see prelude.ts, prelude-parts.ts): URL and URLSearchParams, a
 * subset of the WHATWG URL standard written with primordials only.
 *
 * Parsed as Node parses them: special schemes (http, https, ws, wss, ftp, file) with lower-cased hosts,
 * default ports dropped, dot segments resolved, backslashes as slashes, IPv4 numbers normalized
 * ('http://127.1' → 'http://127.0.0.1/'), the standard's percent-encode sets; relative references against a
 * base; non-special schemes with an authority, a path or an opaque path ('mailto:', 'data:'). Not done: hosts
 * with non-ASCII characters (no IDNA: a TypeError), IPv6 addresses are kept as written (lower-cased, not
 * compressed). What cannot be parsed throws TypeError 'Invalid URL' with code ERR_INVALID_URL, as Node.
 * Setters rebuild the URL and parse it again; a value that does not parse leaves the URL as it was.
 */

export const URL_PART = String.raw`
(function (P, part) {
  'use strict'
  const apply = P.apply, StringCtor = P.StringCtor
  const globals = part('globals')
  const SPECIAL = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443', 'ftp:': '21', 'file:': '' }
  P.setProto(SPECIAL, null)
  const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.\-]*:/
  const HEX = '0123456789ABCDEF'

  function slice(s, a, b) { return b === undefined ? apply(P.strSlice, s, [a]) : apply(P.strSlice, s, [a, b]) }
  function indexOf(s, sub, from) { return apply(P.strIndexOf, s, [sub, from || 0]) }
  function code(s, i) { return apply(P.strCharCodeAt, s, [i]) }
  function lower(s) { return apply(P.toLowerCase, s, []) }
  function list() { const a = []; P.setProto(a, null); return a }
  function push(a, v) { a[a.length] = v }
  function invalid(input) {
    const e = new P.TypeErrorCtor('Invalid URL')
    P.setOwn(e, 'code', 'ERR_INVALID_URL')
    P.setOwn(e, 'input', input)
    return e
  }
  // Percent-encodes the characters 'inSet' selects (and every non-ASCII one, as UTF-8 bytes).
  function encode(s, inSet) {
    let out = ''
    for (let i = 0; i < s.length; i++) {
      const c = code(s, i)
      if (c > 0x7e || c < 0x20 || inSet(c)) {
        let end = i + 1
        if (c >= 0xd800 && c <= 0xdbff && end < s.length) end++
        const bytes = globals.utf8Encode(slice(s, i, end))
        for (let k = 0; k < bytes.length; k++) out += '%' + HEX[bytes[k] >> 4] + HEX[bytes[k] & 15]
        i = end - 1
      } else out += s[i]
    }
    return out
  }
  function fragmentSet(c) { return c === 32 || c === 34 || c === 60 || c === 62 || c === 96 }
  function querySet(c) { return c === 32 || c === 34 || c === 35 || c === 60 || c === 62 }
  function specialQuerySet(c) { return querySet(c) || c === 39 }
  function pathSet(c) { return querySet(c) || c === 63 || c === 96 || c === 123 || c === 125 }
  function userinfoSet(c) {
    return pathSet(c) || c === 47 || c === 58 || c === 59 || c === 61 || c === 64 || (c >= 91 && c <= 94) || c === 124
  }
  function c0Set() { return false }
  // Bytes of a string with %XX sequences decoded (others kept), then read as UTF-8.
  function percentDecode(s, plusIsSpace) {
    const bytes = globals.utf8Encode(s)
    const out = new P.typedArrays.Uint8Array(bytes.length)
    let n = 0
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]
      if (b === 37 && i + 2 < bytes.length && hexValue(bytes[i + 1]) >= 0 && hexValue(bytes[i + 2]) >= 0) {
        out[n++] = hexValue(bytes[i + 1]) * 16 + hexValue(bytes[i + 2])
        i += 2
      } else out[n++] = plusIsSpace && b === 43 ? 32 : b
    }
    return globals.utf8Decode(apply(P.taSubarray, out, [0, n]))
  }
  function hexValue(b) {
    if (b >= 48 && b <= 57) return b - 48
    if (b >= 65 && b <= 70) return b - 55
    if (b >= 97 && b <= 102) return b - 87
    return -1
  }

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

  function serializeForm(s) {
    const bytes = globals.utf8Encode(s)
    let out = ''
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]
      if (b === 32) out += '+'
      else if ((b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b === 42 || b === 45 || b === 46 || b === 95)
        out += P.fromCharCode(b)
      else out += '%' + HEX[b >> 4] + HEX[b & 15]
    }
    return out
  }
  function parseForm(s, into) {
    for (let at = 0; at < s.length;) {
      let end = indexOf(s, '&', at)
      if (end < 0) end = s.length
      const pair = slice(s, at, end)
      at = end + 1
      if (pair === '') continue
      const eq = indexOf(pair, '=')
      const entry = list()
      push(entry, percentDecode(eq < 0 ? pair : slice(pair, 0, eq), true))
      push(entry, eq < 0 ? '' : percentDecode(slice(pair, eq + 1), true))
      push(into, entry)
    }
  }

  let attach, replaceFrom
  class URLSearchParams {
    #list = list()
    #url = null
    static {
      attach = function (params, url) { params.#url = url }
      replaceFrom = function (params, query) {
        params.#list = list()
        parseForm(query[0] === '?' ? slice(query, 1) : query, params.#list)
      }
    }
    constructor(init) {
      if (init === undefined || init === null) return
      if (typeof init === 'object' || typeof init === 'function') {
        const iterator = init[P.symIterator]
        if (iterator !== undefined && iterator !== null) {
          if (typeof iterator !== 'function') throw new P.TypeErrorCtor('Query pairs must be iterable')
          for (const pair of init) {
            const items = list()
            for (const x of pair) push(items, x)
            if (items.length !== 2) throw new P.TypeErrorCtor('Each query pair must be an iterable [name, value] tuple')
            this.append(items[0], items[1])
          }
        } else {
          const keys = P.ownKeys(init)
          for (let i = 0; i < keys.length; i++) this.append(keys[i], init[keys[i]])
        }
        return
      }
      const s = StringCtor(init)
      parseForm(s[0] === '?' ? slice(s, 1) : s, this.#list)
    }
    #update() {
      if (this.#url !== null) this.#url.search = this.toString()
    }
    get size() { return this.#list.length }
    append(name, value) {
      const entry = list()
      push(entry, StringCtor(name))
      push(entry, StringCtor(value))
      push(this.#list, entry)
      this.#update()
    }
    delete(name, value) {
      name = StringCtor(name)
      const kept = list()
      for (let i = 0; i < this.#list.length; i++) {
        const e = this.#list[i]
        if (e[0] !== name || (value !== undefined && e[1] !== StringCtor(value))) push(kept, e)
      }
      this.#list = kept
      this.#update()
    }
    get(name) {
      name = StringCtor(name)
      for (let i = 0; i < this.#list.length; i++) if (this.#list[i][0] === name) return this.#list[i][1]
      return null
    }
    getAll(name) {
      name = StringCtor(name)
      const out = []
      let n = 0
      for (let i = 0; i < this.#list.length; i++) if (this.#list[i][0] === name) P.setOwn(out, n++, this.#list[i][1])
      return out
    }
    has(name, value) {
      name = StringCtor(name)
      for (let i = 0; i < this.#list.length; i++) {
        const e = this.#list[i]
        if (e[0] === name && (value === undefined || e[1] === StringCtor(value))) return true
      }
      return false
    }
    set(name, value) {
      name = StringCtor(name)
      value = StringCtor(value)
      const kept = list()
      let found = false
      for (let i = 0; i < this.#list.length; i++) {
        const e = this.#list[i]
        if (e[0] !== name) push(kept, e)
        else if (!found) { found = true; e[1] = value; push(kept, e) }
      }
      if (!found) { const e = list(); push(e, name); push(e, value); push(kept, e) }
      this.#list = kept
      this.#update()
    }
    sort() {
      const a = this.#list
      // A stable insertion sort by UTF-16 code units.
      for (let i = 1; i < a.length; i++) {
        const e = a[i]
        let j = i - 1
        while (j >= 0 && a[j][0] > e[0]) { a[j + 1] = a[j]; j-- }
        a[j + 1] = e
      }
      this.#update()
    }
    forEach(callback, thisArg) {
      if (typeof callback !== 'function') throw new P.TypeErrorCtor('The "callback" argument must be of type function')
      for (let i = 0; i < this.#list.length; i++) apply(callback, thisArg, [this.#list[i][1], this.#list[i][0], this])
    }
    *entries() { for (let i = 0; i < this.#list.length; i++) yield [this.#list[i][0], this.#list[i][1]] }
    *keys() { for (let i = 0; i < this.#list.length; i++) yield this.#list[i][0] }
    *values() { for (let i = 0; i < this.#list.length; i++) yield this.#list[i][1] }
    [P.symIterator]() { return this.entries() }
    toString() {
      let out = ''
      for (let i = 0; i < this.#list.length; i++) out += (i ? '&' : '') + serializeForm(this.#list[i][0]) + '=' + serializeForm(this.#list[i][1])
      return out
    }
  }

  class URL {
    #r
    #params
    constructor(input, base) {
      if (arguments.length === 0) throw new P.TypeErrorCtor('The "url" argument must be specified')
      const s = StringCtor(input)
      const r = parse(s, base)
      if (r === undefined) throw invalid(s)
      this.#r = r
    }
    static canParse(input, base) { return parse(StringCtor(input), base) !== undefined }
    #set(href) {
      const r = parseAbsolute(href)
      if (r === undefined) return
      this.#r = r
      if (this.#params !== undefined) replaceFrom(this.#params, r.search)
    }
    #with(field, value) {
      const r = this.#r
      const copy = P.create(null)
      const fields = ['protocol', 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash']
      for (let i = 0; i < fields.length; i++) copy[fields[i]] = r[fields[i]]
      copy[field] = value
      return hrefOf(copy)
    }
    get href() { return hrefOf(this.#r) }
    set href(value) {
      const r = parseAbsolute(clean(StringCtor(value)))
      if (r === undefined) throw invalid(StringCtor(value))
      this.#set(hrefOf(r))
    }
    get origin() {
      const r = this.#r
      if (SPECIAL[r.protocol] === undefined || r.protocol === 'file:') return 'null'
      return r.protocol + '//' + r.hostname + (r.port !== '' ? ':' + r.port : '')
    }
    get protocol() { return this.#r.protocol }
    set protocol(value) {
      let p = lower(StringCtor(value))
      const colon = indexOf(p, ':')
      if (colon >= 0) p = slice(p, 0, colon)
      p += ':'
      const fromSpecial = SPECIAL[this.#r.protocol] !== undefined
      if (fromSpecial !== (SPECIAL[p] !== undefined) || apply(P.reExec, SCHEME, [p]) === null) return
      this.#set(this.#with('protocol', p))
    }
    get username() { return this.#r.username }
    set username(value) { if (this.#r.hostname) this.#set(this.#with('username', encode(StringCtor(value), userinfoSet))) }
    get password() { return this.#r.password }
    set password(value) { if (this.#r.hostname) this.#set(this.#with('password', encode(StringCtor(value), userinfoSet))) }
    get host() { const r = this.#r; return r.hostname === null ? '' : r.hostname + (r.port !== '' ? ':' + r.port : '') }
    set host(value) {
      const v = beforeAny(StringCtor(value), '/?#@')
      if (v === '' || this.#r.opaque) return
      const copy = this.#with('hostname', v)
      this.#set(copy)
    }
    get hostname() { return this.#r.hostname === null ? '' : this.#r.hostname }
    set hostname(value) {
      const v = beforeAny(StringCtor(value), '/?#@:')
      if (v === '' || this.#r.opaque) return
      this.#set(this.#with('hostname', v))
    }
    get port() { return this.#r.port }
    set port(value) {
      const m = apply(P.reExec, /^[0-9]*/, [StringCtor(value)])
      if (this.#r.hostname === null || this.#r.hostname === '' || this.#r.protocol === 'file:') return
      if (m[0] === '' && StringCtor(value) !== '') return
      this.#set(this.#with('port', m[0]))
    }
    get pathname() { return this.#r.pathname }
    set pathname(value) {
      if (this.#r.opaque) return
      let v = encode(StringCtor(value), function (c) { return c === 35 || c === 63 })
      if (v[0] !== '/' && (SPECIAL[this.#r.protocol] !== undefined || this.#r.hostname !== null)) v = '/' + v
      this.#set(this.#with('pathname', v))
    }
    get search() { return this.#r.search }
    set search(value) {
      let v = StringCtor(value)
      if (v[0] === '?') v = slice(v, 1)
      this.#set(this.#with('search', v === '' ? '' : '?' + encode(v, function (c) { return c === 35 })))
      if (v === '' && this.#params !== undefined) replaceFrom(this.#params, '')
    }
    get searchParams() {
      if (this.#params === undefined) {
        this.#params = new URLSearchParams(this.#r.search)
        attach(this.#params, this)
      }
      return this.#params
    }
    get hash() { return this.#r.hash }
    set hash(value) {
      let v = StringCtor(value)
      if (v[0] === '#') v = slice(v, 1)
      this.#set(this.#with('hash', v === '' ? '' : '#' + v))
    }
    toString() { return hrefOf(this.#r) }
    toJSON() { return hrefOf(this.#r) }
  }
  function beforeAny(s, stops) {
    for (let i = 0; i < s.length; i++) if (indexOf(stops, s[i]) >= 0) return slice(s, 0, i)
    return s
  }

  return { URL: URL, URLSearchParams: URLSearchParams }
})
`
