/**
 * util.inspect's dispatch by kind: which kind of object a value is (told by brand checks on captured
 * intrinsics, never by its guest-writable prototype), its braces and its formatter, and the depth cut-off.
 *
 * A piece of the 'inspect' part's function body (prelude-inspect.ts joins the pieces in order, into one
 * part compiled with the context): the helpers and primordials of that file, and the functions of the other
 * pieces, are in scope.
 */
export const INSPECT_KINDS = String.raw`
  function formatRaw(ctx, v, depth) {
    const constructor = constructorName(v)
    const tag = toStringTag(ctx, v)
    let base = '', keys, braces0, braces1 = '}', extras = OBJECT, formatter, size
    if (P.isArray(v)) {
      const length = v.length
      const pre = constructor !== 'Array' || tag !== '' ? prefix(constructor, tag, 'Array', '(' + length + ')') : ''
      keys = arrayKeys(ctx, v, length)
      braces0 = pre + '['
      braces1 = ']'
      if (length === 0 && keys.length === 0) return spend(ctx, braces0 + ']')
      extras = ARRAY
      formatter = function () { return formatArray(ctx, v, depth, length) }
    } else if ((size = tryCall(P.setSize, v)) !== undefined) {
      const pre = prefix(constructor, tag, 'Set', '(' + size + ')')
      keys = getKeys(ctx, v)
      if (size === 0 && keys.length === 0) return spend(ctx, pre + '{}')
      braces0 = pre + '{'
      formatter = function () { return formatSet(ctx, v, depth, size) }
    } else if ((size = tryCall(P.mapSize, v)) !== undefined) {
      const pre = prefix(constructor, tag, 'Map', '(' + size + ')')
      keys = getKeys(ctx, v)
      if (size === 0 && keys.length === 0) return spend(ctx, pre + '{}')
      braces0 = pre + '{'
      formatter = function () { return formatMap(ctx, v, depth, size) }
    } else if (apply(P.taTag, v, []) !== undefined) {
      const length = apply(P.taLength, v, [])
      const pre = prefix(constructor, tag, apply(P.taTag, v, []), '(' + length + ')')
      keys = arrayKeys(ctx, v, length)
      braces0 = pre + '['
      braces1 = ']'
      if (length === 0 && keys.length === 0 && !ctx.showHidden) return spend(ctx, braces0 + ']')
      extras = ARRAY
      formatter = function () { return formatTypedArray(ctx, v, length) }
    } else {
      keys = getKeys(ctx, v)
      braces0 = '{'
      let time, byteLength, state
      if (constructor === 'Object') {
        if (tag !== '') braces0 = prefix(constructor, tag, 'Object') + '{'
        if (keys.length === 0) return spend(ctx, braces0 + '}')
      } else if (typeof v === 'function') {
        base = functionBase(v, constructor, tag)
        if (keys.length === 0) return spend(ctx, base)
      } else if (v !== P.RegExpProto && tryCall(P.reSource, v) !== undefined) {
        base = regExpBase(v)
        const pre = prefix(constructor, tag, 'RegExp')
        if (pre !== 'RegExp ') base = pre + base
        if (keys.length === 0 || depth > ctx.depth) return spend(ctx, base)
      } else if ((time = tryCall(P.dateGetTime, v)) !== undefined) {
        base = P.isNaN(time) ? 'Invalid Date' : apply(P.toISO, v, [])
        const pre = prefix(constructor, tag, 'Date')
        if (pre !== 'Date ') base = pre + base
        if (keys.length === 0) return spend(ctx, base)
      } else if (isErrorValue(v)) {
        base = formatError(ctx, v, constructor, tag, keys)
        if (keys.length === 0) return base
      } else if ((byteLength = tryCall(P.abByteLength, v)) !== undefined) {
        braces0 = prefix(constructor, tag, 'ArrayBuffer') + '{'
        formatter = function () { return formatArrayBuffer(ctx, v, byteLength) }
      } else if ((state = P.native.promiseState(v)) >= 0) {
        braces0 = prefix(constructor, tag, 'Promise') + '{'
        formatter = function () { return formatPromise(ctx, v, depth, state) }
      } else if (isWeak(v)) {
        braces0 = prefix(constructor, tag, isWeak(v)) + '{'
        formatter = function () { const out = list(); push(out, spend(ctx, '<items unknown>')); return out }
      } else if ((base = boxedBase(ctx, v, constructor, tag, keys) || '') !== '') {
        if (keys.length === 0) return spend(ctx, base)
      } else {
        if (keys.length === 0) return spend(ctx, prefix(constructor, tag, 'Object') + '{}')
        braces0 = prefix(constructor, tag, 'Object') + '{'
      }
    }
    if (depth > ctx.depth) {
      let name = slice(prefix(constructor, tag, 'Object'), 0, -1)
      if (constructor !== null) name = '[' + name + ']'
      return spend(ctx, name)
    }
    depth += 1
    apply(P.setAdd, ctx.seen, [v])
    ctx.currentDepth = depth
    let output
    try {
      output = formatter === undefined ? list() : formatter()
      for (let i = 0; i < keys.length && ctx.left > 0; i++) push(output, formatProperty(ctx, v, depth, keys[i], OBJECT))
    } finally {
      apply(P.setDelete, ctx.seen, [v])
    }
    if (ctx.circular !== undefined) {
      const index = apply(P.mapGet, ctx.circular, [v])
      if (index !== undefined) base = base === '' ? '<ref *' + index + '>' : '<ref *' + index + '> ' + base
    }
    return reduceToSingleString(ctx, output, base, braces0, braces1, extras, depth, v)
  }
  function isWeak(v) {
    const probe = {}
    try { apply(P.weakMapHas, v, [probe]); return 'WeakMap' } catch (e) {}
    try { apply(P.weakSetHas, v, [probe]); return 'WeakSet' } catch (e) {}
    return ''
  }
`
