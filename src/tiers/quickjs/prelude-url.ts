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
 *
 * One part, compiled when the guest first reads URL or URLSearchParams (see prelude.ts), written in pieces
 * that each hold one concern (prelude-url-<concern>.ts: percent-encoding, host-path, record, resolve,
 * search-params) and joined into one function body here. This file holds the part's scope (constants,
 * primordials, string helpers) and the URL class.
 */
import { URL_PERCENT_ENCODING } from './prelude-url-percent-encoding.js'
import { URL_HOST_PATH } from './prelude-url-host-path.js'
import { URL_RECORD } from './prelude-url-record.js'
import { URL_RESOLVE } from './prelude-url-resolve.js'
import { URL_SEARCH_PARAMS } from './prelude-url-search-params.js'

/**
 * The part's scope: the schemes, the primordials it uses and the string helpers every piece calls. It ends
 * without a newline, so the part reads as it always did: the next piece starts on the next line.
 */
const HEAD = String.raw`
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
  }`

/** The URL class (its setters rebuild the href and parse it again), and the part's API. */
const URL_CLASS = String.raw`
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

export const URL_PART =
  HEAD +
  URL_PERCENT_ENCODING +
  URL_HOST_PATH +
  URL_RECORD +
  URL_RESOLVE +
  URL_SEARCH_PARAMS +
  URL_CLASS
