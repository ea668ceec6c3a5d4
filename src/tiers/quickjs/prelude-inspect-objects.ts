/**
 * util.inspect of any object, what all kinds share: `[Circular *n]`, the name Node shows before the braces
 * (nearest named constructor, Symbol.toStringTag, `[Object: null prototype]`), the keys listed and one
 * property (`[Getter]` without calling it, keys quoted only when they must be).
 *
 * A piece of the 'inspect' part's function body (prelude-inspect.ts joins the pieces in order, into one
 * part compiled with the context): the helpers and primordials of that file, and the functions of the other
 * pieces, are in scope.
 */
export const INSPECT_OBJECTS = String.raw`
  function formatValue(ctx, v, depth) {
    if (typeof v !== 'object' && typeof v !== 'function') return formatPrimitive(ctx, v)
    if (v === null) return spend(ctx, 'null')
    if (ctx.left <= 0) return ''
    if (apply(P.setHas, ctx.seen, [v])) {
      if (ctx.circular === undefined) ctx.circular = new P.MapCtor()
      let index = apply(P.mapGet, ctx.circular, [v])
      if (index === undefined) {
        index = apply(P.mapSize, ctx.circular, []) + 1
        apply(P.mapSet, ctx.circular, [v, index])
      }
      return spend(ctx, '[Circular *' + index + ']')
    }
    return formatRaw(ctx, v, depth)
  }

  function functionName(fn) {
    const name = dataValue(fn, 'name')
    return typeof name === 'string' ? name : ''
  }
  // instanceof without Symbol.hasInstance, which a guest can define.
  function inherits(o, ctor) {
    const proto = dataValue(ctor, 'prototype')
    if (!isObject(proto)) return false
    for (let p = getProto(o), i = 0; p !== null && i < MAX_CHAIN; p = getProto(p), i++) if (p === proto) return true
    return false
  }
  // The name of the nearest constructor on the prototype chain, null for a null prototype.
  function constructorName(o) {
    let first
    for (let p = o, i = 0; p !== null && i < MAX_CHAIN; i++) {
      const ctor = dataValue(p, 'constructor')
      if (typeof ctor === 'function') {
        const name = functionName(ctor)
        if (name !== '' && inherits(o, ctor)) return name
      }
      p = getProto(p)
      if (first === undefined) first = p
    }
    return first === null ? null : 'Object'
  }
  function toStringTag(ctx, v) {
    const tag = chainValue(v, P.symToStringTag)
    if (typeof tag !== 'string' || tag === '') return ''
    const own = getDesc(v, P.symToStringTag)
    return own !== undefined && (ctx.showHidden || own.enumerable) ? '' : tag
  }
  function prefix(constructor, tag, fallback, size) {
    size = size || ''
    if (constructor === null) {
      if (tag !== '' && fallback !== tag) return '[' + fallback + size + ': null prototype] [' + tag + '] '
      return '[' + fallback + size + ': null prototype] '
    }
    if (tag !== '' && constructor !== tag) return constructor + size + ' [' + tag + '] '
    return constructor + size + ' '
  }

  function getKeys(ctx, v, nonIndex) {
    const out = list()
    const names = ctx.showHidden ? P.getOwnNames(v) : P.ownKeys(v)
    for (let i = 0; i < names.length; i++) if (!nonIndex || !isIndex(names[i])) push(out, names[i])
    const symbols = P.getOwnSymbols(v)
    for (let i = 0; i < symbols.length; i++) {
      const d = getDesc(v, symbols[i])
      if (ctx.showHidden || (d !== undefined && d.enumerable)) push(out, symbols[i])
    }
    return out
  }
  function arrayKeys(ctx, v, length) {
    if (length <= MAX_KEYED_LENGTH) return getKeys(ctx, v, true)
    const out = list()
    if (ctx.showHidden) push(out, 'length')
    return out
  }

  function formatProperty(ctx, v, depth, key, type) {
    const d = getDesc(v, key)
    let str
    if (d !== undefined && hasOwn(d, 'value')) {
      ctx.indentationLvl += 2
      str = formatValue(ctx, d.value, depth)
      ctx.indentationLvl -= 2
    } else if (d !== undefined && hasOwn(d, 'get') && d.get !== undefined) {
      str = hasOwn(d, 'set') && d.set !== undefined ? '[Getter/Setter]' : '[Getter]'
    } else if (d !== undefined && hasOwn(d, 'set') && d.set !== undefined) str = '[Setter]'
    else str = 'undefined'
    if (type === ARRAY) return spend(ctx, str)
    let name
    if (typeof key === 'symbol') name = '[' + strEscapeBare(StringCtor(key)) + ']'
    else if (key === '__proto__') name = "['__proto__']"
    else if (d !== undefined && !d.enumerable) name = '[' + strEscapeBare(key) + ']'
    else if (matches(KEY, key)) name = key
    else name = strEscape(key)
    return spend(ctx, name + ': ') + str
  }
  // Escapes as strEscape does, without the quotes (keys shown in brackets).
  function strEscapeBare(s) {
    const q = strEscape(s)
    return slice(q, 1, -1)
  }
`
