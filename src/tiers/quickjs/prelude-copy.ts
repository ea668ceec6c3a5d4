/**
 * The 'copy' part of the guest prelude (see prelude.ts, prelude-parts.ts): the JSON-safe deep copy of a guest
 * value, made of data properties only and bounded by a character budget while it is made. The run's value
 * ('complete' part) and a host call's arguments ('host' part) leave the guest through it.
 */

export const COPY = String.raw`
(function (P) {
  'use strict'
  const MAX_DEPTH = 256
  const apply = P.apply, setAdd = P.setAdd, setHas = P.setHas, setDelete = P.setDelete, hasOwn = P.hasOwn
  function NotJsonSafe(path, what) {
    const e = new P.TypeErrorCtor('result is not JSON-safe: ' + what + (path ? ' at ' + P.clip(path, 200) : ''))
    P.defineProp(e, 'name', P.dataDesc('ResultNotSerializable', false))
    return e
  }
  // Thrown (and caught in serialize) when the JSON would be longer than the cap.
  const TOO_LARGE = P.create(null)
  function isAccessor(d) { return hasOwn(d, 'get') || hasOwn(d, 'set') }
  // Where a refused value sits, for the error: cut short, so a deep path of long keys costs nothing.
  function at(path, key) { return path.length > 200 ? path : path + key }

  // A JSON-safe deep copy made of data properties only: accessors, functions, symbols, bigints and cycles
  // are refused rather than invoked or silently dropped. budget.left counts down a lower bound of the JSON's
  // length, so a value too large to send is refused before its JSON is ever built.
  function copy(value, path, depth, seen, budget) {
    switch (typeof value) {
      case 'undefined': return undefined
      case 'string':
        if ((budget.left -= value.length + 2) < 0) throw TOO_LARGE
        return value
      case 'boolean':
        if ((budget.left -= 4) < 0) throw TOO_LARGE
        return value
      case 'number':
        if ((budget.left -= 1) < 0) throw TOO_LARGE
        return P.isFiniteNumber(value) ? value : null
      case 'bigint': throw NotJsonSafe(path, 'a bigint')
      case 'symbol': throw NotJsonSafe(path, 'a symbol')
      case 'function': throw NotJsonSafe(path, 'a function')
    }
    if ((budget.left -= 4) < 0) throw TOO_LARGE
    if (value === null) return null
    if (depth > MAX_DEPTH) throw NotJsonSafe(path, 'nesting deeper than ' + MAX_DEPTH)
    if (apply(setHas, seen, [value])) throw NotJsonSafe(path, 'a circular reference')
    apply(setAdd, seen, [value])
    try {
      if (P.isArray(value)) {
        // A null prototype: no inherited index setter nor toJSON of the guest's applies to the copy.
        const out = []
        P.setProto(out, null)
        const length = value.length
        for (let i = 0; i < length; i++) {
          if ((budget.left -= 1) < 0) throw TOO_LARGE
          const d = P.getDesc(value, i)
          if (d && isAccessor(d)) throw NotJsonSafe(at(path, '[' + i + ']'), 'an accessor')
          const v = d ? copy(d.value, at(path, '[' + i + ']'), depth + 1, seen, budget) : undefined
          out[i] = v === undefined ? null : v
        }
        return out
      }
      const proto = P.getProto(value)
      if (proto === P.DateProto) {
        if ((budget.left -= 26) < 0) throw TOO_LARGE
        return apply(P.toISO, value, [])
      }
      if (typeof value.then === 'function' && proto !== P.ObjectProto && proto !== null)
        throw NotJsonSafe(path, 'a promise')
      const out = P.create(null)
      const names = P.ownKeys(value)
      for (let i = 0; i < names.length; i++) {
        const k = names[i]
        const d = P.getDesc(value, k)
        if (!d) continue
        if (isAccessor(d)) throw NotJsonSafe(at(path, '.' + P.clip(k, 64)), 'an accessor')
        if ((budget.left -= k.length + 4) < 0) throw TOO_LARGE
        const v = copy(d.value, at(path, '.' + P.clip(k, 64)), depth + 1, seen, budget)
        if (v !== undefined) out[k] = v
      }
      return out
    } finally {
      apply(setDelete, seen, [value])
    }
  }

  return {
    // The JSON of value, undefined for undefined, or null when its JSON would be longer than maxChars.
    // The copy has null prototypes (arrays too), so stringify calls no toJSON of the guest's. One rewrite
    // still reaches it: QuickJS's stringify keeps its own stack in an ordinary array, so an index setter
    // on Array.prototype or Object.prototype makes it throw: a guest error, like any other here.
    serialize: function (value, maxChars) {
      const budget = P.create(null)
      budget.left = maxChars
      let copied
      try {
        copied = copy(value, '', 0, new P.SetCtor(), budget)
      } catch (e) {
        if (e === TOO_LARGE) return null
        throw e
      }
      if (copied === undefined) return undefined
      const json = P.stringify(copied)
      return json.length > maxChars ? null : json
    },
  }
})
`
