/**
 * TextEncoder and TextDecoder, UTF-8 only (with fatal, ignoreBOM and stream; other labels throw RangeError),
 * and the UTF-8 encoder and WHATWG decoder the url part uses too.
 *
 * A piece of the 'globals' part's function body (prelude-globals.ts joins the pieces in order, into one
 * part compiled on first use): the helpers, primordials and DOMException of that file, and the functions of
 * the other pieces, are in scope.
 */
export const GLOBALS_TEXT_ENCODING = String.raw`
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
`
