/**
 * Guest-side JavaScript installed in every QuickJS context before user code runs: the core.
 *
 * Everything that reads guest values (formatting console arguments, copying the result, describing thrown
 * errors) happens inside the guest and under its deadline, so the host never runs guest getters, Proxy
 * traps or toJSON. The host only ever reads strings produced by these functions.
 *
 * The core captures intrinsics, loads the parts and installs the globals; completing a run's value, describing errors, console
 * formatting, timers and host calls live in PRELUDE_PARTS (prelude-parts.ts). All parts are compiled when
 * the context is built, so they are part of the ready-context image every sandbox starts from
 * (context-image.ts): no sandbox pays for compiling them, and nothing is ever compiled while a guest may
 * have exhausted its memory (QuickJS's parser does not survive every allocation failure).
 *
 * `native` is a host object with: write(fd, text) → boolean, hostCall(name, argsJson) → Promise<string>,
 * setTimer(id, ms), clearTimer(id), load(part) → the part's factory. It is captured here and never reaches
 * a global. Intrinsics are captured now, before user code can replace them, and handed to the parts.
 */
/** Globals deleted before guest code runs (see the audit in docs/security.md). */
export const REMOVED_GLOBALS: readonly string[] = ['SharedArrayBuffer', 'Atomics']

export const PRELUDE_SOURCE = String.raw`
(function (native, PART_NAMES) {
  'use strict'
  const REMOVED_GLOBALS = ${JSON.stringify(REMOVED_GLOBALS)}
  const G = globalThis
  const P = {
    apply: Reflect.apply, ownKeys: Object.keys, getDesc: Object.getOwnPropertyDescriptor,
    getProto: Object.getPrototypeOf, defineProp: Object.defineProperty, create: Object.create,
    isArray: Array.isArray, stringify: JSON.stringify, parse: JSON.parse, ObjectProto: Object.prototype,
    DateProto: Date.prototype, toISO: Date.prototype.toISOString, ErrorCtor: Error, TypeErrorCtor: TypeError,
    RangeErrorCtor: RangeError,
    PromiseCtor: Promise, StringCtor: String, MapCtor: Map, SetCtor: Set, isFiniteNumber: Number.isFinite,
    slice: Array.prototype.slice, native: native, G: G,
  }
  const loaded = P.create(null)
  // A part's API, compiled and instantiated in this context once; all are, before anything is installed.
  function part(name) {
    return loaded[name] || (loaded[name] = native.load(name)(P, part))
  }
  PART_NAMES.forEach(part)
  const con = loaded.console, timers = loaded.timers, host = loaded.host
  // Built-ins with known memory-safety bugs in this QuickJS build are removed before any guest code runs
  // (docs/security.md, "QuickJS audit"): SharedArrayBuffer.prototype.grow raises the length without
  // allocating, so the guest would read and write the module's memory past the buffer.
  for (let i = 0; i < REMOVED_GLOBALS.length; i++) delete G[REMOVED_GLOBALS[i]]
  function global(name, value) {
    P.defineProp(G, name, { value: value, writable: true, configurable: true })
  }

  const c = P.create(null)
  c.log = c.info = c.debug = con.out
  c.warn = c.error = c.trace = con.err
  global('console', c)
  // Timers are driven by the worker and live for the current run only.
  G.setTimeout = timers.setTimeout
  G.setInterval = timers.setInterval
  G.clearTimeout = G.clearInterval = timers.clear
  G.queueMicrotask = function (fn) { P.PromiseCtor.resolve().then(fn) }
  // fetch goes through the host's network policy.
  G.fetch = host.fetch

  return {
    complete: loaded.complete.complete,
    describe: loaded.describe.describe,
    setInput: function (json) { global('input', json === undefined ? undefined : P.parse(json)) },
    fireTimer: timers.fire,
    clearTimers: timers.clearAll,
    installHostFunction: function (name) {
      global(name, function () { return host.call(name, P.apply(P.slice, arguments, [])) })
    },
  }
})
`
