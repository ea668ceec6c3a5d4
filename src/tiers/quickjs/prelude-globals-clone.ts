/**
 * structuredClone: the HTML structured clone of JSON-like values, Date, RegExp, Map, Set, ArrayBuffer, typed
 * arrays, DataView, errors and boxed primitives, keeping shared and circular references; functions, symbols,
 * promises and weak collections throw a DataCloneError (a DOMException).
 *
 * A piece of the 'globals' part's function body (prelude-globals.ts joins the pieces in order, into one
 * part compiled on first use): the helpers, primordials and DOMException of that file, and the functions of
 * the other pieces, are in scope.
 */
export const GLOBALS_CLONE = String.raw`
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
`
