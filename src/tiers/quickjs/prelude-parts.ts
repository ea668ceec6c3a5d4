/**
 * Parts of the guest prelude, each compiled in the context by the core (see prelude.ts). Each source is a
 * function expression `(P, part) => api`: P holds the intrinsics and natives the core captured before user
 * code ran (the primordials), and `part(name)` gives another part. A part never reads a global nor calls a
 * method looked up on a guest-reachable object, so user code that replaced a built-in cannot change what a
 * part does; it only ever runs guest code by reading the guest's own values (getters, thenables, Proxies).
 *
 * Every string a part hands to a native is bounded inside the guest first (a too-large marker, a clipped
 * text), and the native checks the length again before it copies anything out (bounded-read.ts).
 */
import { MAX_HOST_CALL_ARGS_BYTES, MAX_PENDING_TIMERS } from './run-state.js'
import { ERROR_MESSAGE_CHARS, ERROR_NAME_CHARS, ERROR_STACK_CHARS } from './bounded-read.js'
import { INSPECT } from './prelude-inspect.js'
import { CONSOLE } from './prelude-console.js'
import { FORMAT } from './prelude-format.js'
import { GLOBALS } from './prelude-globals.js'
import { URL_PART } from './prelude-url.js'
export type PreludePartName =
  | 'complete'
  | 'copy'
  | 'describe'
  | 'inspect'
  | 'format'
  | 'console'
  | 'timers'
  | 'host'
  | 'globals'
  | 'url'

const COPY = String.raw`
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

const DESCRIBE = String.raw`
(function (P, part) {
  'use strict'
  const clip = P.clip
  // String(x) runs the guest's toString for an object: guest code, inside the try below.
  function text(s, max) { return clip(P.StringCtor(s), max) }
  return { describe: function (e) {
    let name = 'Error', message = '', stack = ''
    try {
      if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
        name = text(e.name === undefined ? 'Error' : e.name, ${ERROR_NAME_CHARS})
        message = text(e.message === undefined ? '' : e.message, ${ERROR_MESSAGE_CHARS})
        stack = e.stack === undefined ? '' : text(e.stack, ${ERROR_STACK_CHARS})
      } else {
        const shown = typeof e === 'string' ? e : part('console').inspect(e, ${ERROR_MESSAGE_CHARS})
        message = 'Uncaught ' + clip(shown, ${ERROR_MESSAGE_CHARS})
      }
    } catch (inner) {
      name = 'Error'
      message = 'unreadable thrown value'
      stack = ''
    }
    // Built from stringified strings: QuickJS's JSON.stringify of an object keeps its stack in an array,
    // whose index setters the guest can define on Array.prototype; a string needs no array.
    return '{"name":' + P.stringify(name) + ',"message":' + P.stringify(message) + ',"stack":' + P.stringify(stack) + '}'
  } }
})
`

const TIMERS = String.raw`
(function (P) {
  'use strict'
  const apply = P.apply
  const timers = new P.MapCtor()
  let nextTimer = 1
  function set(fn, ms, args, repeat) {
    if (typeof fn !== 'function') throw new P.TypeErrorCtor('callback must be a function')
    const id = nextTimer++
    const delay = P.isFiniteNumber(ms) && ms > 0 ? ms : 0
    if (!P.native.setTimer(id, delay))
      throw new P.RangeErrorCtor('too many pending timers (at most ${MAX_PENDING_TIMERS})')
    const t = P.create(null)
    t.fn = fn
    t.args = args
    t.repeat = repeat
    t.delay = delay
    apply(P.mapSet, timers, [id, t])
    return id
  }
  return {
    setTimeout: function (fn, ms) { return set(fn, ms, apply(P.arrSlice, arguments, [2]), false) },
    setInterval: function (fn, ms) { return set(fn, ms, apply(P.arrSlice, arguments, [2]), true) },
    clear: function (id) { if (apply(P.mapDelete, timers, [id])) P.native.clearTimer(id) },
    fire: function (id) {
      const t = apply(P.mapGet, timers, [id])
      if (!t) return
      if (t.repeat) P.native.setTimer(id, t.delay)
      else apply(P.mapDelete, timers, [id])
      apply(t.fn, undefined, t.args)
    },
    clearAll: function () { apply(P.mapClear, timers, []) },
  }
})
`

const COMPLETE = String.raw`
(function (P, part) {
  'use strict'
  const copy = part('copy'), describe = part('describe')

  // The value as tagged text: 'u' for undefined, 'v' + its JSON, 'o' when its JSON is longer than maxChars
  // (the host's output cap: refused without building it), 'e' + the description of an error.
  function serialize(v, maxChars) {
    let json
    switch (typeof v) {
      case 'undefined': return 'u'
      case 'string':
        if (v.length > maxChars) return 'o'
        json = P.stringify(v)
        break
      case 'boolean': json = v ? 'true' : 'false'; break
      case 'number': json = P.isFiniteNumber(v) ? P.stringify(v) : 'null'; break
      default: json = v === null ? 'null' : copy.serialize(v, maxChars)
    }
    if (json === undefined) return 'u'
    return json === null || json.length > maxChars ? 'o' : 'v' + json
  }

  // Runs after user code: awaits the value (or calls the default export with input) and serializes it.
  // An async function: its promise is the intrinsic one whatever the guest did to Promise, and it never
  // rejects unless describing the error itself fails (out of memory), which the worker handles.
  async function complete(value, mode, maxChars) {
    try {
      // The evaluation's own promise (async script, module): pinned, so awaiting it calls no guest then.
      if (mode !== 'script' && P.getProto(value) === P.PromiseProto && P.isExtensible(value)) P.pin(value)
      let v = await value
      // QuickJS's async global eval resolves to { value: completion }
      if (mode === 'async-script') v = await v.value
      else if (mode === 'module') {
        const ns = v
        if ('default' in ns) {
          const d = ns.default
          v = await (typeof d === 'function' ? d(P.G.input) : d)
        } else v = await ('__st_last' in ns ? ns.__st_last : undefined)
      }
      return serialize(v, maxChars)
    } catch (e) {
      return 'e' + describe.describe(e)
    }
  }
  return { complete: complete }
})
`

const HOST = String.raw`
(function (P, part) {
  'use strict'
  const apply = P.apply, StringCtor = P.StringCtor, ownKeys = P.ownKeys, copy = part('copy')
  function lower(s) { return apply(P.toLowerCase, StringCtor(s), []) }

  // A host function or fetch: arguments copied and bounded here, synchronously (a value that is not
  // JSON-safe throws at the call, as before), and handed to the native at once, so the guest's heap does
  // not keep their JSON while the call is in flight. Every promise given to the guest is pinned (P.pin):
  // awaiting it works even after the guest broke Promise.prototype.constructor.
  function call(name, args) {
    const json = copy.serialize(args, ${MAX_HOST_CALL_ARGS_BYTES})
    if (json === null)
      throw new P.RangeErrorCtor('host call arguments are larger than ${MAX_HOST_CALL_ARGS_BYTES} bytes')
    return P.pin(receive(P.pin(P.native.hostCall(name, json === undefined ? '[]' : json))))
  }

  // The reply is the host's JSON; its objects inherit the guest's Object.prototype, so read own fields only.
  async function receive(reply) {
    const r = P.parse(await reply)
    if (r.ok) return P.hasOwn(r, 'value') ? r.value : undefined
    const error = r.error
    const e = new P.ErrorCtor(error.message)
    P.defineProp(e, 'name', P.dataDesc(error.name, false))
    if (P.hasOwn(error, 'code')) P.setOwn(e, 'code', error.code)
    if (P.hasOwn(error, 'reason')) P.setOwn(e, 'reason', error.reason)
    throw e
  }

  function makeHeaders(h) {
    const map = new P.MapCtor()
    const keys = ownKeys(h)
    for (let i = 0; i < keys.length; i++) apply(P.mapSet, map, [lower(keys[i]), h[keys[i]]])
    return {
      get: function (k) { const v = apply(P.mapGet, map, [lower(k)]); return v === undefined ? null : v },
      has: function (k) { return apply(P.mapHas, map, [lower(k)]) },
      forEach: function (fn) { apply(P.mapForEach, map, [function (v, k) { fn(v, k) }]) },
      entries: function () { return apply(P.mapEntries, map, []) },
    }
  }

  // The guest gets a small Response-like object. Null prototypes: the guest's Object.prototype setters
  // never see the request being built.
  function fetch(url, init) { return P.pin(fetchResponse(url, init)) }

  async function fetchResponse(url, init) {
    const request = P.create(null)
    request.url = StringCtor(url)
    request.method = 'GET'
    request.headers = P.create(null)
    if (init !== undefined && init !== null) {
      if (init.method !== undefined) request.method = apply(P.toUpperCase, StringCtor(init.method), [])
      if (init.headers !== undefined) {
        const headers = init.headers
        const keys = ownKeys(headers)
        for (let i = 0; i < keys.length; i++) request.headers[keys[i]] = StringCtor(headers[keys[i]])
      }
      if (init.body !== undefined && init.body !== null) request.body = StringCtor(init.body)
    }
    const r = await call('__fetch', [request])
    let used = false
    function take() {
      if (used) throw new P.TypeErrorCtor('body already used')
      used = true
      return r.body
    }
    async function text() { return take() }
    async function json() { return P.parse(take()) }
    return {
      status: r.status, statusText: r.statusText, ok: r.status >= 200 && r.status < 300,
      url: r.url, redirected: !!r.redirected, headers: makeHeaders(r.headers),
      text: function () { return P.pin(text()) },
      json: function () { return P.pin(json()) },
    }
  }

  return { call: call, fetch: fetch }
})
`

export const PRELUDE_PARTS: Readonly<Record<PreludePartName, string>> = {
  complete: COMPLETE,
  copy: COPY,
  describe: DESCRIBE,
  inspect: INSPECT,
  format: FORMAT,
  console: CONSOLE,
  timers: TIMERS,
  host: HOST,
  globals: GLOBALS,
  url: URL_PART,
}

export function isPreludePart(name: string): name is PreludePartName {
  return Object.hasOwn(PRELUDE_PARTS, name)
}
