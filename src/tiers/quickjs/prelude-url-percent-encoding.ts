/**
 * The URL standard's percent-encode sets (fragment, query, special query, path, userinfo, C0 control),
 * percent-encoding as UTF-8 bytes, and percent-decoding (with '+' as a space for forms).
 *
 * A piece of the 'url' part's function body (prelude-url.ts joins the pieces in order, into one part
 * compiled on first use): the helpers and primordials of that file, and the functions of the other pieces,
 * are in scope.
 */
export const URL_PERCENT_ENCODING = String.raw`
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
`
