/**
 * The 'globals' part of the guest prelude (see prelude.ts, prelude-parts.ts): the web-platform globals Node
 * code expects and QuickJS lacks, written with primordials only. docs/tiers.md lists what QuickJS has, what
 * this part provides and what is left out (`process`, `Buffer` and `require` stay out on purpose: using them
 * moves a run to a container, see capabilities.ts).
 *
 * - structuredClone: the HTML structured clone of JSON-like values, Date, RegExp, Map, Set, ArrayBuffer,
 *   typed arrays, DataView, errors and boxed primitives, keeping shared and circular references; functions,
 *   symbols, promises and weak collections throw a DataCloneError (a DOMException).
 * - TextEncoder / TextDecoder: UTF-8 only (with fatal, ignoreBOM and stream); other labels throw RangeError.
 * - atob / btoa, DOMException, Event / EventTarget, AbortController / AbortSignal (abort, timeout, any),
 *   setImmediate / clearImmediate (a 0 ms timer of the run), performance.now / timeOrigin (from Date.now,
 *   so millisecond resolution), crypto.getRandomValues / randomUUID (bytes from the host's CSPRNG through
 *   the randomBytes native; crypto.subtle is not provided), and `global` (Node's alias of globalThis).
 */

/** The names the globals part provides (its `globals` object's keys), known before it is compiled. */
export const PROVIDED_GLOBAL_NAMES: readonly string[] = [
  'structuredClone',
  'TextEncoder',
  'TextDecoder',
  'atob',
  'btoa',
  'DOMException',
  'Event',
  'EventTarget',
  'AbortController',
  'AbortSignal',
  'performance',
  'crypto',
  'setImmediate',
  'clearImmediate',
]

export const GLOBALS = String.raw`
(function (P, part) {
  'use strict'
  const apply = P.apply, StringCtor = P.StringCtor, TypeErrorCtor = P.TypeErrorCtor
  const Uint8 = P.typedArrays.Uint8Array
  const timers = part('timers')

  function list() { const a = []; P.setProto(a, null); return a }
  function push(a, v) { a[a.length] = v }
  function code(s, i) { return apply(P.strCharCodeAt, s, [i]) }
  function dataValue(o, key) {
    if (o === null || (typeof o !== 'object' && typeof o !== 'function')) return undefined
    const d = P.getDesc(o, key)
    return d !== undefined && P.hasOwn(d, 'value') ? d.value : undefined
  }
  // A string from UTF-16 code units, in chunks (fromCharCode takes its units as arguments).
  function fromCodes(units) {
    let s = ''
    for (let i = 0; i < units.length; i += 8192) {
      const chunk = list()
      for (let j = i; j < units.length && j < i + 8192; j++) push(chunk, units[j])
      s += apply(P.fromCharCode, undefined, chunk)
    }
    return s
  }

  const LEGACY_CODES = { IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12,
    InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18,
    NetworkError: 19, AbortError: 20, URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23,
    InvalidNodeTypeError: 24, DataCloneError: 25 }
  P.setProto(LEGACY_CODES, null)
  class DOMException extends P.ErrorCtor {
    constructor(message, options) {
      super(message === undefined ? '' : StringCtor(message))
      const name = typeof options === 'object' && options !== null ? dataValue(options, 'name') : options
      P.defineProp(this, 'name', P.dataDesc(name === undefined ? 'Error' : StringCtor(name), false))
    }
    get code() { return LEGACY_CODES[this.name] || 0 }
  }

  // The bytes of an ArrayBuffer, typed array or DataView, as a Uint8Array over the same memory.
  function bytesOf(input, what) {
    if (apply(P.taTag, input, []) !== undefined)
      return new Uint8(apply(P.taBuffer, input, []), apply(P.taByteOffset, input, []), apply(P.taByteLength, input, []))
    try { apply(P.abByteLength, input, []); return new Uint8(input) } catch (e) {}
    try {
      const length = apply(P.dvByteLength, input, [])
      return new Uint8(apply(P.dvBuffer, input, []), apply(P.dvByteOffset, input, []), length)
    } catch (e) {}
    throw new TypeErrorCtor('The "' + what + '" argument must be an instance of ArrayBuffer or ArrayBufferView')
  }

  // UTF-8 of a string; a lone surrogate becomes U+FFFD, as USVString conversion does.
  function utf8Encode(s) {
    const n = s.length
    let size = 0
    for (let i = 0; i < n; i++) {
      const c = code(s, i)
      if (c < 0x80) size += 1
      else if (c < 0x800) size += 2
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && code(s, i + 1) >= 0xdc00 && code(s, i + 1) <= 0xdfff) { size += 4; i++ }
      else size += 3
    }
    const out = new Uint8(size)
    let at = 0
    for (let i = 0; i < n; i++) {
      let c = code(s, i)
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? code(s, i + 1) : 0
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++ }
        else c = 0xfffd
      }
      if (c < 0x80) out[at++] = c
      else if (c < 0x800) { out[at++] = 0xc0 | (c >> 6); out[at++] = 0x80 | (c & 63) }
      else if (c < 0x10000) { out[at++] = 0xe0 | (c >> 12); out[at++] = 0x80 | ((c >> 6) & 63); out[at++] = 0x80 | (c & 63) }
      else {
        out[at++] = 0xf0 | (c >> 18); out[at++] = 0x80 | ((c >> 12) & 63)
        out[at++] = 0x80 | ((c >> 6) & 63); out[at++] = 0x80 | (c & 63)
      }
    }
    return out
  }

  // The WHATWG UTF-8 decoder: each maximal bad subpart becomes one U+FFFD (or a TypeError when fatal).
  // state carries an unfinished sequence between streamed calls.
  function utf8Decode(bytes, fatal, state, flush) {
    const units = list()
    let cp = state.cp, needed = state.needed, seen = state.seen, lower = state.lower, upper = state.upper
    function bad() {
      if (fatal) throw new TypeErrorCtor('The encoded data was not valid for encoding utf-8')
      push(units, 0xfffd)
    }
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]
      if (needed === 0) {
        if (b < 0x80) { push(units, b); continue }
        if (b >= 0xc2 && b <= 0xdf) { needed = 1; cp = b & 0x1f }
        else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) lower = 0xa0
          if (b === 0xed) upper = 0x9f
          needed = 2; cp = b & 0xf
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) lower = 0x90
          if (b === 0xf4) upper = 0x8f
          needed = 3; cp = b & 0x7
        } else bad()
        continue
      }
      if (b < lower || b > upper) {
        cp = needed = seen = 0; lower = 0x80; upper = 0xbf
        bad()
        i--
        continue
      }
      lower = 0x80; upper = 0xbf
      cp = (cp << 6) | (b & 0x3f)
      if (++seen !== needed) continue
      if (cp >= 0x10000) { push(units, 0xd800 + ((cp - 0x10000) >> 10)); push(units, 0xdc00 + ((cp - 0x10000) & 0x3ff)) }
      else push(units, cp)
      cp = needed = seen = 0
    }
    if (flush && needed !== 0) { cp = needed = seen = 0; lower = 0x80; upper = 0xbf; bad() }
    state.cp = cp; state.needed = needed; state.seen = seen; state.lower = lower; state.upper = upper
    return fromCodes(units)
  }
  function freshState() {
    const s = P.create(null)
    s.cp = 0; s.needed = 0; s.seen = 0; s.lower = 0x80; s.upper = 0xbf; s.bomSeen = false
    return s
  }

  class TextEncoder {
    get encoding() { return 'utf-8' }
    encode(input) { return utf8Encode(input === undefined ? '' : StringCtor(input)) }
    encodeInto(source, destination) {
      const bytes = utf8Encode(StringCtor(source))
      if (apply(P.taTag, destination, []) !== 'Uint8Array') throw new TypeErrorCtor('The "dest" argument must be an instance of Uint8Array')
      const room = apply(P.taLength, destination, [])
      let written = 0
      // Whole characters only: stop before a sequence that does not fit.
      while (written < bytes.length) {
        const b = bytes[written]
        const len = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4
        if (written + len > room) break
        for (let k = 0; k < len; k++) destination[written + k] = bytes[written + k]
        written += len
      }
      const read = utf8Decode(new Uint8(apply(P.taBuffer, bytes, []), 0, written), false, freshState(), true).length
      return { read: read, written: written }
    }
  }

  const UTF8_LABELS = { 'utf-8': true, utf8: true, 'unicode-1-1-utf-8': true, 'unicode11utf8': true, 'unicode20utf8': true, 'x-unicode20utf8': true }
  P.setProto(UTF8_LABELS, null)
  class TextDecoder {
    #fatal
    #ignoreBOM
    #state
    constructor(label, options) {
      const name = label === undefined ? 'utf-8' : apply(P.toLowerCase, StringCtor(label), [])
      if (UTF8_LABELS[name] !== true) throw new P.RangeErrorCtor('The "' + StringCtor(label) + '" encoding is not supported')
      this.#fatal = !!dataValue(options, 'fatal')
      this.#ignoreBOM = !!dataValue(options, 'ignoreBOM')
      this.#state = freshState()
    }
    get encoding() { return 'utf-8' }
    get fatal() { return this.#fatal }
    get ignoreBOM() { return this.#ignoreBOM }
    decode(input, options) {
      let bytes = input === undefined ? new Uint8(0) : bytesOf(input, 'input')
      const stream = !!dataValue(options, 'stream')
      const state = this.#state
      if (!this.#ignoreBOM && !state.bomSeen && state.needed === 0 && bytes.length > 0) {
        if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = apply(P.taSubarray, bytes, [3])
        state.bomSeen = true
      }
      try {
        return utf8Decode(bytes, this.#fatal, state, !stream)
      } finally {
        if (!stream) this.#state = freshState()
      }
    }
  }

  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  function invalidCharacter(message) { return new DOMException(message, 'InvalidCharacterError') }
  function btoa(data) {
    if (arguments.length === 0) throw new TypeErrorCtor('The "data" argument must be specified')
    const s = StringCtor(data)
    let out = ''
    for (let i = 0; i < s.length; i += 3) {
      const a = code(s, i), b = i + 1 < s.length ? code(s, i + 1) : 0, c = i + 2 < s.length ? code(s, i + 2) : 0
      if (a > 255 || b > 255 || c > 255) throw invalidCharacter('Invalid character')
      const n = (a << 16) | (b << 8) | c
      out += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < s.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < s.length ? B64[n & 63] : '=')
    }
    return out
  }
  function sextet(c) {
    if (c >= 65 && c <= 90) return c - 65
    if (c >= 97 && c <= 122) return c - 71
    if (c >= 48 && c <= 57) return c + 4
    if (c === 43) return 62
    if (c === 47) return 63
    return -1
  }
  function atob(data) {
    if (arguments.length === 0) throw new TypeErrorCtor('The "data" argument must be specified')
    const s = StringCtor(data)
    const values = list()
    let padding = 0
    for (let i = 0; i < s.length; i++) {
      const c = code(s, i)
      if (c === 9 || c === 10 || c === 12 || c === 13 || c === 32) continue
      if (c === 61) { padding++; continue }
      const v = sextet(c)
      if (v < 0 || padding > 0) throw invalidCharacter('The string to be decoded is not correctly encoded.')
      push(values, v)
    }
    const total = values.length + padding
    if (padding > 2 || (padding > 0 && total % 4 !== 0) || values.length % 4 === 1)
      throw invalidCharacter('The string to be decoded is not correctly encoded.')
    const units = list()
    let buffer = 0, bits = 0
    for (let i = 0; i < values.length; i++) {
      buffer = (buffer << 6) | values[i]
      bits += 6
      if (bits >= 8) { bits -= 8; push(units, (buffer >> bits) & 255) }
    }
    return fromCodes(units)
  }

  function dataCloneError(what) { return new DOMException(what + ' could not be cloned.', 'DataCloneError') }
  function structuredClone(value) {
    if (arguments.length === 0) throw new TypeErrorCtor('The "value" argument must be specified')
    return clone(value, new P.MapCtor())
  }
  function clone(v, memory) {
    if (typeof v === 'symbol') throw dataCloneError(StringCtor(v))
    if (typeof v === 'function') throw dataCloneError(P.clip(apply(P.fnToString, v, []), 200))
    if (v === null || typeof v !== 'object') return v
    const known = apply(P.mapGet, memory, [v])
    if (known !== undefined) return known
    let out
    function keep(o) { apply(P.mapSet, memory, [v, o]); return o }
    function copyKeys(from) {
      const keys = P.ownKeys(from)
      for (let i = 0; i < keys.length; i++) P.setOwn(out, keys[i], clone(from[keys[i]], memory))
      return out
    }
    if (P.isArray(v)) { out = keep(new P.ArrayCtor(v.length)); return copyKeys(v) }
    let x
    try { x = apply(P.dateGetTime, v, []) } catch (e) {}
    if (x !== undefined) return keep(new P.DateCtor(x))
    try { x = apply(P.reSource, v, []) } catch (e) {}
    if (x !== undefined && v !== P.RegExpProto) {
      let flags = ''
      const letters = 'dgimsuvy'
      for (let i = 0; i < letters.length; i++) if (P.reFlags[letters[i]] !== undefined && apply(P.reFlags[letters[i]], v, [])) flags += letters[i]
      return keep(new P.RegExpCtor(x, flags))
    }
    try { x = apply(P.mapSize, v, []) } catch (e) {}
    if (x !== undefined) {
      out = keep(new P.MapCtor())
      const it = apply(P.mapEntries, v, [])
      for (let r = apply(P.mapIterNext, it, []); !r.done; r = apply(P.mapIterNext, it, []))
        apply(P.mapSet, out, [clone(r.value[0], memory), clone(r.value[1], memory)])
      return out
    }
    try { x = apply(P.setSize, v, []) } catch (e) {}
    if (x !== undefined) {
      out = keep(new P.SetCtor())
      const it = apply(P.setValues, v, [])
      for (let r = apply(P.setIterNext, it, []); !r.done; r = apply(P.setIterNext, it, [])) apply(P.setAdd, out, [clone(r.value, memory)])
      return out
    }
    const tag = apply(P.taTag, v, [])
    if (tag !== undefined) {
      const buffer = clone(apply(P.taBuffer, v, []), memory)
      return keep(new P.typedArrays[tag](buffer, apply(P.taByteOffset, v, []), apply(P.taLength, v, [])))
    }
    try { x = apply(P.abByteLength, v, []) } catch (e) {}
    if (x !== undefined) return keep(apply(P.abSlice, v, [0]))
    try { x = apply(P.dvByteLength, v, []) } catch (e) {}
    if (x !== undefined) return keep(new P.DataViewCtor(clone(apply(P.dvBuffer, v, []), memory), apply(P.dvByteOffset, v, []), x))
    if (P.isError(v)) {
      const name = dataValue(v, 'name') === undefined ? chainName(v) : dataValue(v, 'name')
      const Ctor = P.errorCtors[name] || P.ErrorCtor
      const message = v.message
      out = keep(message === undefined ? new Ctor() : new Ctor(StringCtor(message)))
      const stack = dataValue(v, 'stack')
      if (typeof stack === 'string') P.defineProp(out, 'stack', P.dataDesc(stack, false))
      return out
    }
    for (let i = 0; i < P.boxed.length; i++) {
      try { x = apply(P.boxed[i][1], v, []) } catch (e) { continue }
      if (typeof x === 'symbol') throw dataCloneError(StringCtor(x))
      return keep(P.ObjectCtor(x))
    }
    if (P.native.promiseState(v) >= 0) throw dataCloneError('#<Promise>')
    try { apply(P.weakMapHas, v, [{}]); x = 'WeakMap' } catch (e) { x = undefined }
    try { apply(P.weakSetHas, v, [{}]); x = 'WeakSet' } catch (e) {}
    if (x !== undefined) throw dataCloneError('#<' + x + '>')
    out = keep({})
    return copyKeys(v)
  }
  function chainName(v) {
    for (let p = P.getProto(v); p !== null; p = P.getProto(p)) {
      const name = dataValue(p, 'name')
      if (typeof name === 'string') return name
    }
    return 'Error'
  }

  let setTarget, setCurrent, isStopped
  class Event {
    #type
    #bubbles
    #cancelable
    #defaultPrevented = false
    #target = null
    #currentTarget = null
    #stopped = false
    #timeStamp
    static {
      setTarget = function (e, t) { e.#target = t }
      setCurrent = function (e, t) { e.#currentTarget = t }
      isStopped = function (e) { return e.#stopped }
    }
    constructor(type, init) {
      if (arguments.length === 0) throw new TypeErrorCtor('The "type" argument must be specified')
      this.#type = StringCtor(type)
      this.#bubbles = !!dataValue(init, 'bubbles')
      this.#cancelable = !!dataValue(init, 'cancelable')
      this.#timeStamp = now()
    }
    get type() { return this.#type }
    get bubbles() { return this.#bubbles }
    get cancelable() { return this.#cancelable }
    get defaultPrevented() { return this.#cancelable && this.#defaultPrevented }
    get target() { return this.#target }
    get currentTarget() { return this.#currentTarget }
    get srcElement() { return this.#target }
    get timeStamp() { return this.#timeStamp }
    get isTrusted() { return false }
    get eventPhase() { return this.#currentTarget === null ? 0 : 2 }
    composedPath() { return this.#currentTarget === null ? [] : [this.#currentTarget] }
    preventDefault() { this.#defaultPrevented = true }
    stopPropagation() {}
    stopImmediatePropagation() { this.#stopped = true }
  }
  class EventTarget {
    #listeners = new P.MapCtor()
    addEventListener(type, listener, options) {
      if (listener === null || listener === undefined) return
      type = StringCtor(type)
      const once = typeof options === 'object' && options !== null && !!dataValue(options, 'once')
      const signal = typeof options === 'object' && options !== null ? dataValue(options, 'signal') : undefined
      let entries = apply(P.mapGet, this.#listeners, [type])
      if (entries === undefined) apply(P.mapSet, this.#listeners, [type, entries = list()])
      for (let i = 0; i < entries.length; i++) if (entries[i].listener === listener) return
      const entry = P.create(null)
      entry.listener = listener
      entry.once = once
      push(entries, entry)
      if (signal !== undefined && signal !== null) {
        const target = this
        if (signal.aborted) this.removeEventListener(type, listener)
        else signal.addEventListener('abort', function () { target.removeEventListener(type, listener) }, { once: true })
      }
    }
    removeEventListener(type, listener) {
      const entries = apply(P.mapGet, this.#listeners, [StringCtor(type)])
      if (entries === undefined) return
      for (let i = 0; i < entries.length; i++) {
        if (entries[i].listener !== listener) continue
        entries[i].removed = true
        for (let j = i; j < entries.length - 1; j++) entries[j] = entries[j + 1]
        entries.length = entries.length - 1
        return
      }
    }
    dispatchEvent(event) {
      if (!(P.getProto(event) !== null && isEvent(event))) throw new TypeErrorCtor('The "event" argument must be an instance of Event')
      setTarget(event, this)
      setCurrent(event, this)
      const entries = apply(P.mapGet, this.#listeners, [event.type])
      if (entries !== undefined) {
        const snapshot = list()
        for (let i = 0; i < entries.length; i++) push(snapshot, entries[i])
        for (let i = 0; i < snapshot.length && !isStopped(event); i++) {
          const entry = snapshot[i]
          if (entry.removed) continue
          if (entry.once) this.removeEventListener(event.type, entry.listener)
          const l = entry.listener
          if (typeof l === 'function') apply(l, this, [event])
          else if (typeof l.handleEvent === 'function') apply(l.handleEvent, l, [event])
        }
      }
      setCurrent(event, null)
      return !event.defaultPrevented
    }
  }
  function isEvent(e) {
    try { isStopped(e); return true } catch (x) { return false }
  }

  let makeSignal, abortSignal
  class AbortSignal extends EventTarget {
    #aborted = false
    #reason = undefined
    static {
      makeSignal = function () { return new AbortSignal(makeSignal) }
      abortSignal = function (s, reason) {
        if (s.#aborted) return
        s.#aborted = true
        s.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason
        const event = new Event('abort')
        const handler = dataValue(s, 'onabort')
        if (typeof handler === 'function') apply(handler, s, [event])
        s.dispatchEvent(event)
      }
    }
    constructor(key) {
      if (key !== makeSignal) throw new TypeErrorCtor('Illegal constructor')
      super()
    }
    get aborted() { return this.#aborted }
    get reason() { return this.#reason }
    throwIfAborted() { if (this.#aborted) throw this.#reason }
    static abort(reason) {
      const s = makeSignal()
      abortSignal(s, reason)
      return s
    }
    static timeout(ms) {
      const s = makeSignal()
      const args = list()
      push(args, function () { abortSignal(s, new DOMException('The operation was aborted due to timeout', 'TimeoutError')) })
      push(args, ms)
      apply(timers.setTimeout, undefined, args)
      return s
    }
    static any(signals) {
      const s = makeSignal()
      const all = list()
      for (const x of signals) push(all, x)
      for (let i = 0; i < all.length; i++) if (all[i].aborted) { abortSignal(s, all[i].reason); return s }
      for (let i = 0; i < all.length; i++) {
        const source = all[i]
        source.addEventListener('abort', function () { abortSignal(s, source.reason) }, { once: true })
      }
      return s
    }
  }
  class AbortController {
    #signal = makeSignal()
    get signal() { return this.#signal }
    abort(reason) { abortSignal(this.#signal, reason) }
  }

  let origin
  function now() {
    if (origin === undefined) origin = P.dateNow()
    return P.dateNow() - origin
  }
  const performance = {
    now() { return now() },
    get timeOrigin() { if (origin === undefined) now(); return origin },
    toJSON: function () { return { timeOrigin: performance.timeOrigin } },
  }

  function getRandomValues(array) {
    const tag = apply(P.taTag, array, [])
    if (tag === undefined || tag === 'Float32Array' || tag === 'Float64Array')
      throw new DOMException('The data argument must be an integer-type TypedArray', 'TypeMismatchError')
    const length = apply(P.taByteLength, array, [])
    if (length > 65536)
      throw new DOMException('The ArrayBufferView\'s byte length (' + length + ') exceeds the number of bytes of entropy available via this API (65536)', 'QuotaExceededError')
    const target = new Uint8(apply(P.taBuffer, array, []), apply(P.taByteOffset, array, []), length)
    apply(P.taSet, target, [new Uint8(P.native.randomBytes(length))])
    return array
  }
  function randomUUID() {
    const b = new Uint8(P.native.randomBytes(16))
    b[6] = (b[6] & 0x0f) | 0x40
    b[8] = (b[8] & 0x3f) | 0x80
    let s = ''
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += '-'
      s += (b[i] < 16 ? '0' : '') + apply(P.numToString, b[i], [16])
    }
    return s
  }
  const crypto = { getRandomValues: getRandomValues, randomUUID: randomUUID }

  function setImmediate(fn) {
    const args = list()
    push(args, fn)
    push(args, 0)
    for (let i = 1; i < arguments.length; i++) push(args, arguments[i])
    return apply(timers.setTimeout, undefined, args)
  }

  return {
    globals: {
      structuredClone: structuredClone, TextEncoder: TextEncoder, TextDecoder: TextDecoder, atob: atob, btoa: btoa,
      DOMException: DOMException, Event: Event, EventTarget: EventTarget, AbortController: AbortController,
      AbortSignal: AbortSignal, performance: performance, crypto: crypto, setImmediate: setImmediate,
      clearImmediate: timers.clear,
    },
    utf8Encode: utf8Encode,
    utf8Decode: function (bytes) { return utf8Decode(bytes, false, freshState(), true) },
  }
})
`
