/**
 * performance.now / timeOrigin (from Date.now, so millisecond resolution), setImmediate (a 0 ms timer of the
 * run; clearImmediate is the timers part's clear), and crypto.getRandomValues / randomUUID (bytes from the
 * host's CSPRNG through the randomBytes native; crypto.subtle is not provided).
 *
 * A piece of the 'globals' part's function body (prelude-globals.ts joins the pieces in order, into one
 * part compiled on first use): the helpers, primordials and DOMException of that file, and the functions of
 * the other pieces, are in scope.
 */
export const GLOBALS_TIMING_CRYPTO = String.raw`
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
`
