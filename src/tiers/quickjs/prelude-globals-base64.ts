/**
 * atob and btoa: base64 of Latin-1 strings, with the DOMException InvalidCharacterError Node throws.
 *
 * A piece of the 'globals' part's function body (prelude-globals.ts joins the pieces in order, into one
 * part compiled on first use): the helpers, primordials and DOMException of that file, and the functions of
 * the other pieces, are in scope.
 */
export const GLOBALS_BASE64 = String.raw`
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
`
