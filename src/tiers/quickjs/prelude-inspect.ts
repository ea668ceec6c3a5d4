/**
 * The 'inspect' part of the guest prelude (see prelude.ts, prelude-parts.ts): Node's util.inspect and
 * util.format for the console, written again with primordials only.
 *
 * It follows Node 20's rules where a guest can see them (quotes and escapes, `[Getter]`, `<ref *1>`,
 * `[Circular *1]`, class names, `[Object: null prototype]`, Map/Set/typed arrays, errors, sparse arrays,
 * depth 2, 100 items, the 80-column breaking and the grouping of short array items), and differs where
 * following Node would run guest code or cannot be done without V8: getters are never called (`[Getter]`,
 * also for an error's name and message, read from data properties only), no `[util.inspect.custom]`, a
 * Proxy is read through its traps (QuickJS cannot tell a Proxy from its target without a native), and an
 * object whose prototype chain has no named constructor is shown as `Object`.
 *
 * Bounded: `budget` characters. Every piece of text counts against it as it is made, and once it is spent
 * no further item is formatted, so a huge object costs about `budget` characters of work, not its size.
 * The caller cuts the result at the budget (the output room left), which then ends the run with 'output'.
 */

export const INSPECT = String.raw`
(function (P) {
  'use strict'
  const apply = P.apply, getDesc = P.getDesc, hasOwn = P.hasOwn, getProto = P.getProto
  const strSlice = P.strSlice, strIndexOf = P.strIndexOf, charCodeAt = P.strCharCodeAt, StringCtor = P.StringCtor
  const KEY = /^[a-zA-Z_][a-zA-Z_0-9]*$/
  const INDEX = /^(?:0|[1-9][0-9]*)$/
  const OBJECT = 0, ARRAY = 2
  // Arrays longer than this are not asked for all their keys (Object.keys would list every index).
  const MAX_KEYED_LENGTH = 100000
  const MAX_CHAIN = 10000

  // Arrays with a null prototype: no index setter or method of the guest's Array.prototype applies.
  function list() { const a = []; P.setProto(a, null); return a }
  function push(a, v) { a[a.length] = v }
  function join(a, sep) {
    let s = ''
    for (let i = 0; i < a.length; i++) s += (i ? sep : '') + a[i]
    return s
  }
  function slice(s, from, to) { return to === undefined ? apply(strSlice, s, [from]) : apply(strSlice, s, [from, to]) }
  function has(s, sub) { return apply(strIndexOf, s, [sub]) !== -1 }
  function startsWith(s, p) { return slice(s, 0, p.length) === p }
  function endsWith(s, p) { return s.length >= p.length && slice(s, s.length - p.length) === p }
  function spaces(n) { return n > 0 ? apply(P.strRepeat, ' ', [n]) : '' }
  function matches(re, s) { return apply(P.reExec, re, [s]) !== null }
  function hex(n, width) {
    let h = apply(P.toUpperCase, apply(P.numToString, n, [16]), [])
    while (h.length < width) h = '0' + h
    return h
  }
  function replaceAll(s, from, to) {
    let out = '', at = 0
    for (;;) {
      const i = apply(strIndexOf, s, [from, at])
      if (i < 0) return at === 0 ? s : out + slice(s, at)
      out += slice(s, at, i) + to
      at = i + from.length
    }
  }
  function spend(ctx, s) { ctx.left -= s.length; return s }
  // The value of an own data property, or undefined (never an accessor's, never an inherited one's).
  function dataValue(o, key) {
    const d = getDesc(o, key)
    return d !== undefined && hasOwn(d, 'value') ? d.value : undefined
  }
  // The value of a data property found on o or its prototype chain; undefined for an accessor.
  function chainValue(o, key) {
    for (let i = 0; o !== null && i < MAX_CHAIN; i++, o = getProto(o)) {
      const d = getDesc(o, key)
      if (d !== undefined) return hasOwn(d, 'value') ? d.value : undefined
    }
    return undefined
  }
  function isObject(v) { return v !== null && (typeof v === 'object' || typeof v === 'function') }
  function isIndex(k) { return typeof k === 'string' && matches(INDEX, k) && P.NumberCtor(k) < 4294967295 }
  // A brand check: the captured getter or method throws for anything but its own kind.
  function tryCall(fn, v) { try { return apply(fn, v, []) } catch (e) { return undefined } }

  function escapeCode(c) {
    switch (c) {
      case 8: return '\\b'
      case 9: return '\\t'
      case 10: return '\\n'
      case 12: return '\\f'
      case 13: return '\\r'
      case 39: return "\\'"
      case 92: return '\\\\'
    }
    return '\\x' + hex(c, 2)
  }
  // A string as Node quotes it: single quotes, or double quotes or backticks when that avoids escaping.
  function strEscape(s) {
    let quote = 39
    if (has(s, "'")) {
      if (!has(s, '"')) quote = -1
      else if (!has(s, '\x60') && !has(s, '$' + '{')) quote = -2
    }
    let out = '', last = 0
    const n = s.length
    for (let i = 0; i < n; i++) {
      const c = apply(charCodeAt, s, [i])
      let escaped
      if (c === quote || c === 92 || c < 32 || (c > 126 && c < 160)) escaped = escapeCode(c)
      else if (c >= 0xd800 && c <= 0xdfff) {
        if (c <= 0xdbff && i + 1 < n) {
          const d = apply(charCodeAt, s, [i + 1])
          if (d >= 0xdc00 && d <= 0xdfff) { i++; continue }
        }
        escaped = '\\u' + apply(P.numToString, c, [16])
      } else continue
      out += slice(s, last, i) + escaped
      last = i + 1
    }
    if (last === 0) out = s
    else out += slice(s, last)
    return quote === -1 ? '"' + out + '"' : quote === -2 ? '\x60' + out + '\x60' : "'" + out + "'"
  }
  function formatNumber(n) { return n === 0 && 1 / n < 0 ? '-0' : '' + n }
  function moreItems(n, what) { return '... ' + n + ' more ' + what + (n > 1 ? 's' : '') }

  function formatPrimitive(ctx, v) {
    switch (typeof v) {
      case 'string': {
        let trailer = ''
        if (v.length > ctx.maxStringLength) {
          trailer = moreItems(v.length - ctx.maxStringLength, 'character')
          v = slice(v, 0, ctx.maxStringLength)
        }
        // Past the budget the text is cut anyway: never escape more of it than could be shown.
        if (v.length > ctx.left + 2) v = slice(v, 0, ctx.left > 0 ? ctx.left + 2 : 2)
        if (v.length > 16 && v.length > ctx.breakLength - ctx.indentationLvl - 4) {
          const sep = ' +\n' + spaces(ctx.indentationLvl + 2)
          let out = '', start = 0
          for (;;) {
            const i = apply(strIndexOf, v, ['\n', start])
            const end = i < 0 || i === v.length - 1 ? v.length : i + 1
            out += (start ? sep : '') + strEscape(slice(v, start, end))
            if (end === v.length) break
            start = end
          }
          return spend(ctx, out + trailer)
        }
        return spend(ctx, strEscape(v) + trailer)
      }
      case 'number': return spend(ctx, formatNumber(v))
      case 'bigint': return spend(ctx, StringCtor(v) + 'n')
      case 'symbol': return spend(ctx, P.clip(StringCtor(v), ctx.left > 0 ? ctx.left : 0))
      default: return spend(ctx, StringCtor(v))
    }
  }

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

  function formatArray(ctx, v, depth, length) {
    const out = list()
    const max = length < ctx.maxArrayLength ? length : ctx.maxArrayLength
    let i = 0
    for (; i < max && ctx.left > 0; i++) {
      if (!hasOwn(v, i)) return formatSparse(ctx, v, depth, length, out, i)
      push(out, formatProperty(ctx, v, depth, i, ARRAY))
    }
    if (length > i) push(out, moreItems(length - i, 'item'))
    return out
  }
  // Holes shown as '<n empty items>', counted from the array's keys (never one step per hole), or by
  // scanning at most MAX_KEYED_LENGTH indices of a longer array.
  function formatSparse(ctx, v, depth, length, out, i) {
    const max = ctx.maxArrayLength
    let index = i
    const keys = length <= MAX_KEYED_LENGTH ? P.ownKeys(v) : undefined
    function holes(n) { push(out, '<' + n + ' empty item' + (n > 1 ? 's' : '') + '>') }
    if (keys !== undefined) {
      for (let k = i; k < keys.length && out.length < max && ctx.left > 0; k++) {
        const key = keys[k]
        if (!isIndex(key)) break
        const n = P.NumberCtor(key)
        if (n !== index) {
          holes(n - index)
          index = n
          if (out.length === max) break
        }
        push(out, formatProperty(ctx, v, depth, key, ARRAY))
        index++
      }
    } else {
      for (let steps = 0; index < length && out.length < max && steps < MAX_KEYED_LENGTH && ctx.left > 0; steps++) {
        if (hasOwn(v, index)) { push(out, formatProperty(ctx, v, depth, index, ARRAY)); index++; continue }
        let end = index
        while (end < length && !hasOwn(v, end) && steps < MAX_KEYED_LENGTH) { end++; steps++ }
        holes(end - index)
        index = end
      }
    }
    const remaining = length - index
    if (out.length !== max && remaining > 0 && keys !== undefined) holes(remaining)
    else if (remaining > 0) push(out, moreItems(remaining, 'item'))
    return out
  }

  function formatTypedArray(ctx, v, length) {
    const out = list()
    const max = length < ctx.maxArrayLength ? length : ctx.maxArrayLength
    for (let i = 0; i < max && ctx.left > 0; i++) {
      const x = v[i]
      push(out, spend(ctx, typeof x === 'bigint' ? StringCtor(x) + 'n' : formatNumber(x)))
    }
    if (length > max) push(out, moreItems(length - max, 'item'))
    return out
  }
  function formatArrayBuffer(ctx, v, byteLength) {
    const bytes = new P.typedArrays.Uint8Array(v)
    const max = byteLength < ctx.maxArrayLength ? byteLength : ctx.maxArrayLength
    let s = ''
    for (let i = 0; i < max; i++) s += (i ? ' ' : '') + hex(bytes[i], 2)
    if (byteLength > max) s += ' ' + moreItems(byteLength - max, 'byte')
    const out = list()
    push(out, spend(ctx, '[Uint8Contents]: <' + s + '>'))
    push(out, spend(ctx, 'byteLength: ' + byteLength))
    return out
  }
  function formatSet(ctx, v, depth, size) {
    const out = list()
    const max = size < ctx.maxArrayLength ? size : ctx.maxArrayLength
    const it = apply(P.setValues, v, [])
    ctx.indentationLvl += 2
    for (let i = 0; i < max && ctx.left > 0; i++) {
      const r = apply(P.setIterNext, it, [])
      if (r.done) break
      push(out, formatValue(ctx, r.value, depth))
    }
    ctx.indentationLvl -= 2
    if (size > max) push(out, moreItems(size - max, 'item'))
    return out
  }
  function formatMap(ctx, v, depth, size) {
    const out = list()
    const max = size < ctx.maxArrayLength ? size : ctx.maxArrayLength
    const it = apply(P.mapEntries, v, [])
    ctx.indentationLvl += 2
    for (let i = 0; i < max && ctx.left > 0; i++) {
      const r = apply(P.mapIterNext, it, [])
      if (r.done) break
      const entry = r.value
      const k = formatValue(ctx, entry[0], depth)
      push(out, k + spend(ctx, ' => ') + formatValue(ctx, entry[1], depth))
    }
    ctx.indentationLvl -= 2
    if (size > max) push(out, moreItems(size - max, 'item'))
    return out
  }
  function formatPromise(ctx, v, depth, state) {
    const out = list()
    if (state === 0) push(out, spend(ctx, '<pending>'))
    else {
      ctx.indentationLvl += 2
      const str = formatValue(ctx, P.native.promiseResult(v), depth)
      ctx.indentationLvl -= 2
      push(out, state === 2 ? spend(ctx, '<rejected> ') + str : str)
    }
    return out
  }

  function functionBase(v, constructor, tag) {
    let source = ''
    try { source = apply(P.fnToString, v, []) } catch (e) {}
    if (startsWith(source, 'class') && endsWith(source, '}')) {
      const c = apply(charCodeAt, source, [5])
      if (c === 32 || c === 123 || c === 10 || c === 9 || c === 13) return classBase(v, constructor, tag)
    }
    let type = 'Function'
    for (let p = getProto(v), i = 0; p !== null && i < MAX_CHAIN; p = getProto(p), i++) {
      if (p === P.AsyncFunctionProto) { type = 'AsyncFunction'; break }
      if (p === P.GeneratorFunctionProto) { type = 'GeneratorFunction'; break }
      if (p === P.AsyncGeneratorFunctionProto) { type = 'AsyncGeneratorFunction'; break }
    }
    let base = '[' + type
    if (constructor === null) base += ' (null prototype)'
    const name = functionName(v)
    base += name === '' ? ' (anonymous)' : ': ' + name
    base += ']'
    if (constructor !== type && constructor !== null) base += ' ' + constructor
    if (tag !== '' && constructor !== tag) base += ' [' + tag + ']'
    return base
  }
  function classBase(v, constructor, tag) {
    const name = hasOwn(v, 'name') ? functionName(v) : ''
    let base = 'class ' + (name || '(anonymous)')
    if (constructor !== 'Function' && constructor !== null) base += ' [' + constructor + ']'
    if (tag !== '' && constructor !== tag) base += ' [' + tag + ']'
    if (constructor !== null) {
      const parent = getProto(v)
      const superName = typeof parent === 'function' ? functionName(parent) : ''
      if (superName) base += ' extends ' + superName
    } else base += ' extends [null prototype]'
    return '[' + base + ']'
  }
  function regExpBase(v) {
    let flags = ''
    const letters = 'dgimsuvy'
    for (let i = 0; i < letters.length; i++) {
      const get = P.reFlags[letters[i]]
      if (get !== undefined && apply(get, v, [])) flags += letters[i]
    }
    return '/' + apply(P.reSource, v, []) + '/' + flags
  }

  function isErrorValue(v) {
    for (let p = getProto(v), i = 0; p !== null && i < MAX_CHAIN; p = getProto(p), i++) if (p === P.ErrorProto) return true
    return false
  }
  function removeKey(keys, key) {
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== key) continue
      for (let j = i; j < keys.length - 1; j++) keys[j] = keys[j + 1]
      keys.length = keys.length - 1
      return
    }
  }
  function hasKey(keys, key) {
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return true
    return false
  }
  // An error as Node shows it: its stack, whose first line V8 writes when the stack is first read (so a
  // name set in the constructor shows). QuickJS's stack has the frames only: that line is made here.
  function formatError(ctx, err, constructor, tag, keys) {
    const nameValue = chainValue(err, 'name')
    const name = nameValue === undefined || nameValue === null ? 'Error' : P.clip(StringCtor(nameValue), 1000)
    const messageValue = chainValue(err, 'message')
    const message = messageValue === undefined ? '' : P.clip(StringCtor(messageValue), ctx.left > 0 ? ctx.left : 0)
    const stackValue = dataValue(err, 'stack')
    let stack
    if (typeof stackValue === 'string' && stackValue !== '' && !startsWith(stackValue, '    at ')) {
      stack = P.clip(stackValue, ctx.left > 0 ? ctx.left : 0)
    } else {
      const headName = nameValue === undefined ? 'Error' : name
      let frames = typeof stackValue === 'string' ? stackValue : ''
      if (frames.length > ctx.left) frames = slice(frames, 0, ctx.left > 0 ? ctx.left : 0)
      while (endsWith(frames, '\n')) frames = slice(frames, 0, -1)
      const head = message === '' ? headName : headName === '' ? message : headName + ': ' + message
      stack = frames === '' ? head : head + '\n' + frames
    }
    const fields = ['name', 'message', 'stack']
    for (let i = 0; i < 3; i++) {
      const value = dataValue(err, fields[i])
      if (hasKey(keys, fields[i]) && typeof value === 'string' && has(stack, value)) removeKey(keys, fields[i])
    }
    if (getDesc(err, 'cause') !== undefined && !hasKey(keys, 'cause')) push(keys, 'cause')
    const errors = dataValue(err, 'errors')
    if (P.isArray(errors) && !hasKey(keys, 'errors')) push(keys, 'errors')
    stack = improveStack(stack, constructor, name, tag)
    let pos = (messageValue && typeof messageValue === 'string' && apply(strIndexOf, stack, [messageValue])) || -1
    if (pos !== -1) pos += messageValue.length
    if (apply(strIndexOf, stack, ['\n    at', pos]) === -1) stack = '[' + stack + ']'
    if (ctx.indentationLvl !== 0) stack = replaceAll(stack, '\n', '\n' + spaces(ctx.indentationLvl))
    return spend(ctx, stack)
  }
  // Puts the class name in the first line when it differs from the error's name ('MyError [TypeError]').
  function improveStack(stack, constructor, name, tag) {
    let len = name.length
    if (constructor === null || (endsWith(name, 'Error') && startsWith(stack, name) &&
        (stack.length === len || stack[len] === ':' || stack[len] === '\n'))) {
      let fallback = 'Error'
      if (constructor === null) {
        const start = apply(P.reExec, /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n\s+at)/, [stack]) ||
          apply(P.reExec, /^([a-z_A-Z0-9-]*Error)$/, [stack])
        fallback = (start && start[1]) || ''
        len = fallback.length
        fallback = fallback || 'Error'
      }
      const pre = slice(prefix(constructor, tag, fallback), 0, -1)
      if (name !== pre) {
        if (has(pre, name)) stack = len === 0 ? pre + ': ' + stack : pre + slice(stack, len)
        else stack = pre + ' [' + name + ']' + slice(stack, len)
      }
    }
    return stack
  }
  function boxedBase(ctx, v, constructor, tag, keys) {
    for (let i = 0; i < P.boxed.length; i++) {
      const kind = P.boxed[i]
      let primitive
      try { primitive = apply(kind[1], v, []) } catch (e) { continue }
      const type = kind[0]
      if (type === 'String') {
        let k = 0
        while (k < keys.length && isIndex(keys[k])) k++
        for (let j = 0; j < k; j++) removeKey(keys, keys[0])
      }
      let base = '[' + type
      if (type !== constructor) base += constructor === null ? ' (null prototype)' : ' (' + constructor + ')'
      const inner = P.create(null)
      inner.left = ctx.left
      inner.maxStringLength = ctx.maxStringLength
      inner.breakLength = Infinity
      inner.indentationLvl = 0
      base += ': ' + formatPrimitive(inner, primitive) + ']'
      if (tag !== '' && tag !== constructor) base += ' [' + tag + ']'
      return base
    }
    return undefined
  }

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

  // Node's layout: on one line when the entries fit in breakLength and the object holds at most
  // 'compact' (3) inner levels; short array items grouped in columns; otherwise one entry per line.
  function reduceToSingleString(ctx, output, base, braces0, braces1, extras, depth, v) {
    const entries = output.length
    if (extras === ARRAY && entries > 6) output = groupArrayElements(ctx, output, v)
    if (ctx.currentDepth - depth < ctx.compact && entries === output.length) {
      const start = output.length + ctx.indentationLvl + braces0.length + base.length + 10
      if (isBelowBreakLength(ctx, output, start, base)) {
        const joined = join(output, ', ')
        if (!has(joined, '\n')) return (base ? base + ' ' : '') + braces0 + ' ' + joined + ' ' + braces1
      }
    }
    const indentation = '\n' + spaces(ctx.indentationLvl)
    return (base ? base + ' ' : '') + braces0 + indentation + '  ' + join(output, ',' + indentation + '  ') + indentation + braces1
  }
  function isBelowBreakLength(ctx, output, start, base) {
    let total = output.length + start
    if (total + output.length > ctx.breakLength) return false
    for (let i = 0; i < output.length; i++) {
      total += output[i].length
      if (total > ctx.breakLength) return false
    }
    return base === '' || !has(base, '\n')
  }
  function padStart(s, n) { return spaces(n - s.length) + s }
  function padEnd(s, n) { return s + spaces(n - s.length) }
  function groupArrayElements(ctx, output, v) {
    let total = 0, maxLength = 0
    let outputLength = output.length
    // The '... more items' entry is not grouped.
    if (ctx.maxArrayLength < output.length) outputLength--
    const separatorSpace = 2
    const dataLen = list()
    for (let i = 0; i < outputLength; i++) {
      const len = output[i].length
      dataLen[i] = len
      total += len + separatorSpace
      if (maxLength < len) maxLength = len
    }
    const actualMax = maxLength + separatorSpace
    if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength && (total / actualMax > 5 || maxLength <= 6)) {
      const averageBias = P.sqrt(actualMax - total / output.length)
      const biasedMax = actualMax - 3 - averageBias > 1 ? actualMax - 3 - averageBias : 1
      let columns = P.round(P.sqrt(2.5 * biasedMax * outputLength) / biasedMax)
      const byWidth = P.floor((ctx.breakLength - ctx.indentationLvl) / actualMax)
      if (byWidth < columns) columns = byWidth
      if (ctx.compact * 4 < columns) columns = ctx.compact * 4
      if (15 < columns) columns = 15
      if (columns <= 1) return output
      const maxLineLength = list()
      for (let i = 0; i < columns; i++) {
        let lineLength = 0
        for (let j = i; j < output.length; j += columns) if (dataLen[j] > lineLength) lineLength = dataLen[j]
        push(maxLineLength, lineLength + separatorSpace)
      }
      let numeric = true
      if (v !== undefined) {
        for (let i = 0; i < output.length; i++) {
          const item = P.isArray(v) ? dataValue(v, i) : v[i]
          if (typeof item !== 'number' && typeof item !== 'bigint') { numeric = false; break }
        }
      }
      const grouped = list()
      for (let i = 0; i < outputLength; i += columns) {
        const max = i + columns < outputLength ? i + columns : outputLength
        let str = ''
        let j = i
        for (; j < max - 1; j++) {
          const cell = output[j] + ', '
          str += numeric ? padStart(cell, maxLineLength[j - i]) : padEnd(cell, maxLineLength[j - i])
        }
        str += numeric ? padStart(output[j], maxLineLength[j - i] - separatorSpace) : output[j]
        push(grouped, str)
      }
      if (ctx.maxArrayLength < output.length) push(grouped, output[outputLength])
      return grouped
    }
    return output
  }

  // util.inspect(value, opts): opts (a null-prototype object) may set depth, showHidden, breakLength.
  function inspect(value, opts) {
    const ctx = P.create(null)
    ctx.left = opts.budget
    ctx.indentationLvl = 0
    ctx.seen = new P.SetCtor()
    ctx.circular = undefined
    ctx.currentDepth = 0
    ctx.depth = opts.depth === undefined ? 2 : opts.depth
    ctx.showHidden = !!opts.showHidden
    ctx.breakLength = opts.breakLength === undefined ? 80 : opts.breakLength
    ctx.compact = 3
    ctx.maxArrayLength = opts.maxArrayLength === undefined ? 100 : opts.maxArrayLength
    ctx.maxStringLength = 10000
    return formatValue(ctx, value, 0)
  }
  return {
    inspect: inspect,
    replaceAll: replaceAll,
    // For the format part (prelude-format.ts).
    formatNumber: formatNumber,
    dataValue: dataValue,
    functionName: functionName,
    isErrorValue: isErrorValue,
  }
})
`
