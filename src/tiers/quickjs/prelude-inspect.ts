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
 *
 * One part, written in pieces that each hold one concern (prelude-inspect-<concern>.ts) and are joined
 * into one function body here: this file holds its scope (the primordials it uses, the helpers every piece
 * calls) and its entry point.
 */
import { INSPECT_PRIMITIVES } from './prelude-inspect-primitives.js'
import { INSPECT_OBJECTS } from './prelude-inspect-objects.js'
import { INSPECT_COLLECTIONS } from './prelude-inspect-collections.js'
import { INSPECT_BUILTINS } from './prelude-inspect-builtins.js'
import { INSPECT_KINDS } from './prelude-inspect-kinds.js'
import { INSPECT_LAYOUT } from './prelude-inspect-layout.js'

/** The part's scope: the primordials it uses and the helpers every piece calls. */
const HEAD = String.raw`
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
`

/** util.inspect itself, and the part's API. */
const TAIL = String.raw`
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

export const INSPECT =
  HEAD +
  INSPECT_PRIMITIVES +
  INSPECT_OBJECTS +
  INSPECT_COLLECTIONS +
  INSPECT_BUILTINS +
  INSPECT_KINDS +
  INSPECT_LAYOUT +
  TAIL
