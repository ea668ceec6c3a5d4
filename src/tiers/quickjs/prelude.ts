/**
 * Guest-side JavaScript installed in every QuickJS context before user code runs: the core.
 *
 * Everything that reads guest values (formatting console arguments, copying the result, describing thrown
 * errors) happens inside the guest and under its deadline, so the host never runs guest getters, Proxy
 * traps or toJSON. The host only ever reads strings produced by these functions, and checks their length
 * before it copies them out (bounded-read.ts).
 *
 * Primordials: the core captures every intrinsic the parts call into `P` now, before any guest code runs,
 * and the parts call only those, uncurried (`P.apply(P.strSlice, s, [0, n])`), never a method looked up on a
 * guest-reachable prototype: a guest that replaces `String.prototype.slice`, `Map.prototype.get` or
 * `JSON.stringify` later changes nothing we do. Two habits follow from how promises work:
 * - no `then` call on a promise: `then` looks up `constructor` and `Symbol.species`, both guest-writable. We
 *   wait with `await` in async functions instead, whose promise is always the intrinsic one; a promise we
 *   made and await is pinned (P.pin) so `await` never consults the guest's `Promise.prototype.constructor`.
 * - property descriptors and objects handed to JSON.stringify have a null prototype: defineProperty reads
 *   `get`/`set` through the prototype chain, and stringify calls an inherited `toJSON`.
 * Reading a property of a guest object (`value.then`, `e.message`) still runs guest getters; that is guest
 * code running under the guest's own deadline, and any failure in it comes back as a guest error.
 *
 * The core captures intrinsics, loads the parts and installs the globals (and `require`, for the fs part); completing a run's value, describing errors, console
 * formatting, timers and host calls live in PRELUDE_PARTS (prelude-parts.ts). The parts every run needs are
 * compiled when the context is built, so they are part of the ready-context image every sandbox starts from
 * (context-image.ts): no sandbox pays for compiling them. The globals and URL parts (LAZY_PARTS) are compiled
 * when a guest first reads one of their globals (~1.8 ms once per sandbox): carried by every context they made
 * each idle sandbox ~140 KiB larger. If that compile runs out of the guest's memory, the read throws in the
 * guest like any allocation failure.
 *
 * `native` is a host object with: write(fd, text, clipped) → boolean, room() → output bytes left,
 * hostCall(name, argsJson) → Promise<string>, setTimer(id, ms), clearTimer(id), load(part) → the part's
 * factory, promiseState(value) → -1 (not a promise), 0 pending, 1 fulfilled, 2 rejected,
 * promiseResult(promise) → its value or reason, fs(op, path, a, b) and needs(specifier) for the fs part
 * (folder-native.ts), randomBytes(n) → an ArrayBuffer of n bytes from the host's
 * CSPRNG (n ≤ 65536). It is captured here and never reaches a global.
 */
import { PROVIDED_GLOBAL_NAMES } from './prelude-globals.js'
/** Globals deleted before guest code runs (see the audit in docs/security.md). */
export const REMOVED_GLOBALS: readonly string[] = [
  'SharedArrayBuffer',
  'Atomics',
  'FinalizationRegistry',
  'WeakRef',
]

/**
 * Methods deleted from built-in prototypes before guest code runs (docs/security.md): shrinking or detaching
 * an ArrayBuffer under a typed array being built over it leaves the typed array reading and writing the
 * module's heap outside the buffer (bellard/quickjs #450, #478, #492; reproduced on this build).
 */
export const REMOVED_METHODS: readonly (readonly [string, string])[] = [
  ['ArrayBuffer', 'resize'],
  ['ArrayBuffer', 'transfer'],
  ['ArrayBuffer', 'transferToFixedLength'],
]

/** Parts compiled on first use rather than with the context (see the core below). */
const LAZY_PARTS: readonly string[] = ['globals', 'url', 'fs']

export const PRELUDE_SOURCE = String.raw`
(function (native, PART_NAMES) {
  'use strict'
  const REMOVED_GLOBALS = ${JSON.stringify(REMOVED_GLOBALS)}
  const REMOVED_METHODS = ${JSON.stringify(REMOVED_METHODS)}
  const G = globalThis
  const create = Object.create, defineProp = Object.defineProperty, getProto = Object.getPrototypeOf
  const apply = Reflect.apply, PromiseCtor = Promise, ErrorProto = Error.prototype
  const strSlice = String.prototype.slice
  // The primordials: a null prototype, so a name missing here is undefined, never the guest's Object.prototype.
  const P = create(null)
  P.apply = apply
  P.ownKeys = Object.keys
  P.getDesc = Object.getOwnPropertyDescriptor
  P.hasOwn = Object.hasOwn
  P.getProto = getProto
  P.setProto = Object.setPrototypeOf
  P.defineProp = defineProp
  P.create = create
  P.isArray = Array.isArray
  P.arrSlice = Array.prototype.slice
  P.stringify = JSON.stringify
  P.parse = JSON.parse
  P.ObjectProto = Object.prototype
  P.DateProto = Date.prototype
  P.toISO = Date.prototype.toISOString
  P.ErrorCtor = Error
  P.ErrorProto = ErrorProto
  P.TypeErrorCtor = TypeError
  P.RangeErrorCtor = RangeError
  P.PromiseCtor = PromiseCtor
  P.PromiseProto = PromiseCtor.prototype
  P.isExtensible = Object.isExtensible
  P.StringCtor = String
  P.strSlice = strSlice
  P.strIndexOf = String.prototype.indexOf
  P.strCharCodeAt = String.prototype.charCodeAt
  P.toLowerCase = String.prototype.toLowerCase
  P.toUpperCase = String.prototype.toUpperCase
  P.reExec = RegExp.prototype.exec
  P.MapCtor = Map
  P.mapGet = Map.prototype.get
  P.mapSet = Map.prototype.set
  P.mapHas = Map.prototype.has
  P.mapDelete = Map.prototype.delete
  P.mapClear = Map.prototype.clear
  P.mapForEach = Map.prototype.forEach
  P.mapEntries = Map.prototype.entries
  P.SetCtor = Set
  P.setAdd = Set.prototype.add
  P.setHas = Set.prototype.has
  P.setDelete = Set.prototype.delete
  P.isFiniteNumber = Number.isFinite
  P.native = native
  P.G = G
  // For the inspect, console and globals parts (prelude-inspect.ts, prelude-console.ts, prelude-globals.ts).
  function getter(proto, key) { return Object.getOwnPropertyDescriptor(proto, key).get }
  P.getOwnNames = Object.getOwnPropertyNames
  P.getOwnSymbols = Object.getOwnPropertySymbols
  P.freeze = Object.freeze
  P.strRepeat = String.prototype.repeat
  P.fromCharCode = String.fromCharCode
  P.numToString = Number.prototype.toString
  P.numToFixed = Number.prototype.toFixed
  P.NumberCtor = Number
  P.parseInt = parseInt
  P.parseFloat = parseFloat
  P.isNaN = Number.isNaN
  P.floor = Math.floor
  P.round = Math.round
  P.sqrt = Math.sqrt
  P.random = Math.random
  P.dateNow = Date.now
  P.dateGetTime = Date.prototype.getTime
  P.dateToString = Date.prototype.toString
  P.symIterator = Symbol.iterator
  P.symToStringTag = Symbol.toStringTag
  P.SymbolFor = Symbol.for
  P.fnToString = Function.prototype.toString
  P.FunctionProto = Function.prototype
  P.AsyncFunctionProto = getProto(async function () {})
  P.GeneratorFunctionProto = getProto(function* () {})
  P.AsyncGeneratorFunctionProto = getProto(async function* () {})
  P.ArrayCtor = Array
  P.ObjectCtor = Object
  P.RegExpProto = RegExp.prototype
  P.reSource = getter(RegExp.prototype, 'source')
  P.reFlags = create(null)
  const flagNames = ['hasIndices', 'global', 'ignoreCase', 'multiline', 'dotAll', 'unicode', 'unicodeSets', 'sticky']
  for (let i = 0; i < flagNames.length; i++) {
    const d = Object.getOwnPropertyDescriptor(RegExp.prototype, flagNames[i])
    if (d) P.reFlags['dgimsuvy'[i]] = d.get
  }
  P.RegExpCtor = RegExp
  P.mapSize = getter(Map.prototype, 'size')
  P.setSize = getter(Set.prototype, 'size')
  P.setValues = Set.prototype.values
  P.setIterNext = getProto(new Set().values()).next
  P.mapIterNext = getProto(new Map().entries()).next
  P.weakMapHas = WeakMap.prototype.has
  P.weakSetHas = WeakSet.prototype.has
  const TypedArrayProto = getProto(Uint8Array.prototype)
  P.taTag = getter(TypedArrayProto, Symbol.toStringTag)
  P.taLength = getter(TypedArrayProto, 'length')
  P.taBuffer = getter(TypedArrayProto, 'buffer')
  P.taByteOffset = getter(TypedArrayProto, 'byteOffset')
  P.taByteLength = getter(TypedArrayProto, 'byteLength')
  P.taSet = TypedArrayProto.set
  P.taSubarray = TypedArrayProto.subarray
  P.abByteLength = getter(ArrayBuffer.prototype, 'byteLength')
  P.abSlice = ArrayBuffer.prototype.slice
  P.dvByteLength = getter(DataView.prototype, 'byteLength')
  P.dvBuffer = getter(DataView.prototype, 'buffer')
  P.dvByteOffset = getter(DataView.prototype, 'byteOffset')
  P.errorCtors = create(null)
  const errorNames = ['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError']
  for (let i = 0; i < errorNames.length; i++) P.errorCtors[errorNames[i]] = G[errorNames[i]]
  P.typedArrays = create(null)
  const typedNames = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
    'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array']
  for (let i = 0; i < typedNames.length; i++) P.typedArrays[typedNames[i]] = G[typedNames[i]]
  P.ArrayBufferCtor = ArrayBuffer
  P.DataViewCtor = DataView
  P.DateCtor = Date
  P.boxed = [
    ['Number', Number.prototype.valueOf], ['String', String.prototype.valueOf],
    ['Boolean', Boolean.prototype.valueOf], ['BigInt', BigInt.prototype.valueOf],
    ['Symbol', Symbol.prototype.valueOf],
  ]
  P.setProto(P.boxed, null)
  P.WeakMapCtor = WeakMap
  P.SyntaxErrorCtor = SyntaxError
  P.encodeURIComponent = encodeURIComponent
  P.decodeURIComponent = decodeURIComponent
  P.encodeURI = encodeURI

  // A property descriptor with a null prototype: defineProperty would read an inherited get/set/value.
  function dataDesc(value, enumerable) {
    const d = create(null)
    d.value = value
    d.writable = true
    d.enumerable = enumerable
    d.configurable = true
    return d
  }
  P.dataDesc = dataDesc
  // Sets an own data property without running an inherited setter.
  P.setOwn = function (object, key, value) { defineProp(object, key, dataDesc(value, true)) }
  // At most max characters of s (a string), with an ellipsis when cut.
  P.clip = function (s, max) { return s.length > max ? apply(strSlice, s, [0, max]) + '…' : s }
  // instanceof Error without Symbol.hasInstance, which a guest can define on Error.
  P.isError = function (v) {
    for (let proto = getProto(v); proto !== null; proto = getProto(proto)) if (proto === ErrorProto) return true
    return false
  }
  // A promise we made, made safe to await: await compares its constructor with the intrinsic Promise and
  // would otherwise read the guest's Promise.prototype.constructor (and then call the guest's then).
  const pinnedCtor = create(null)
  pinnedCtor.value = PromiseCtor
  P.pin = function (promise) { defineProp(promise, 'constructor', pinnedCtor); return promise }

  const loaded = create(null)
  // A part's API, compiled and instantiated in this context once; all are, before anything is installed.
  function part(name) {
    return loaded[name] || (loaded[name] = native.load(name)(P, part))
  }
  // The globals and URL parts are compiled on first use instead (~1.8 ms each): most runs never touch them,
  // and compiled with the context they made every idle sandbox ~200 KiB larger.
  const LAZY_PARTS = ${JSON.stringify(LAZY_PARTS)}
  const lazyParts = create(null)
  for (let i = 0; i < LAZY_PARTS.length; i++) lazyParts[LAZY_PARTS[i]] = true
  for (let i = 0; i < PART_NAMES.length; i++) if (!lazyParts[PART_NAMES[i]]) part(PART_NAMES[i])
  const con = loaded.console, timers = loaded.timers, host = loaded.host
  // Built-ins with known memory-safety bugs in this QuickJS build are removed before any guest code runs
  // (docs/security.md, "QuickJS audit"): SharedArrayBuffer.prototype.grow raises the length without
  // allocating, so the guest would read and write the module's memory past the buffer.
  for (let i = 0; i < REMOVED_METHODS.length; i++)
    delete G[REMOVED_METHODS[i][0]].prototype[REMOVED_METHODS[i][1]]
  for (let i = 0; i < REMOVED_GLOBALS.length; i++) delete G[REMOVED_GLOBALS[i]]
  function global(name, value) {
    defineProp(G, name, dataDesc(value, false))
  }

  global('console', con.console)
  // Timers are driven by the worker and live for the current run only.
  G.setTimeout = timers.setTimeout
  G.setInterval = timers.setInterval
  G.clearTimeout = G.clearInterval = timers.clear
  // One await of nothing: a job on the intrinsic queue, with no then or constructor looked up.
  async function runMicrotask(fn) { await undefined; fn() }
  G.queueMicrotask = function (fn) {
    if (typeof fn !== 'function') throw new P.TypeErrorCtor('callback must be a function')
    runMicrotask(fn)
  }
  // fetch goes through the host's network policy.
  G.fetch = host.fetch
  // What Node code expects and QuickJS lacks (prelude-globals.ts, prelude-url.ts; docs/tiers.md).
  // A global whose part is compiled when the guest first reads it; writing it just sets it.
  function lazyGlobal(name, load) {
    const d = create(null)
    d.configurable = true
    d.enumerable = false
    d.get = function () { const value = load(); global(name, value); return value }
    d.set = function (value) { global(name, value) }
    defineProp(G, name, d)
  }
  const providedNames = ${JSON.stringify(PROVIDED_GLOBAL_NAMES)}
  for (let i = 0; i < providedNames.length; i++) {
    const name = providedNames[i]
    lazyGlobal(name, function () { return part('globals').globals[name] })
  }
  lazyGlobal('URL', function () { return part('url').URL })
  lazyGlobal('URLSearchParams', function () { return part('url').URLSearchParams })
  global('global', G)
  // require('fs') and 'fs/promises' on the sandbox's folder (prelude-fs.ts, compiled at the first call);
  // any other built-in asks for its capability. Writable, as Node's module-local require can be shadowed.
  global('require', function require(id) { return part('fs').require(id) })
  // The names Node's util.format counts as built-in constructors (%s of an object whose toString is theirs).
  const builtinNames = create(null)
  const globalNames = P.getOwnNames(G)
  for (let i = 0; i < globalNames.length; i++)
    if (apply(P.reExec, /^[A-Z][a-zA-Z0-9]+$/, [globalNames[i]]) !== null) builtinNames[globalNames[i]] = true
  P.builtinNames = builtinNames

  return {
    complete: loaded.complete.complete,
    describe: loaded.describe.describe,
    setInput: function (json) { global('input', json === undefined ? undefined : P.parse(json)) },
    fireTimer: timers.fire,
    clearTimers: timers.clearAll,
    installHostFunction: function (name) {
      global(name, function () { return host.call(name, apply(P.arrSlice, arguments, [])) })
    },
  }
})
`
