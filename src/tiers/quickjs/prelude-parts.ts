/**
 * Parts of the guest prelude, each compiled in the context by the core (see prelude.ts). Each source is a
 * function expression `(P, part) => api`: P holds the intrinsics and natives the core captured before user
 * code ran, and `part(name)` gives another part. A part never reads a global, so user code that replaced a
 * built-in cannot change what a part does.
 */
import { MAX_PENDING_TIMERS } from './run-state.js'
export type PreludePartName = 'complete' | 'copy' | 'describe' | 'console' | 'timers' | 'host'

const COPY = String.raw`
(function (P) {
  'use strict'
  const MAX_DEPTH = 256
  function NotJsonSafe(path, what) {
    const e = new P.TypeErrorCtor('result is not JSON-safe: ' + what + (path ? ' at ' + path : ''))
    e.name = 'ResultNotSerializable'
    return e
  }

  // A JSON-safe deep copy made of data properties only: accessors, functions, symbols, bigints and cycles
  // are refused rather than invoked or silently dropped.
  function copy(value, path, depth, seen) {
    switch (typeof value) {
      case 'undefined': return undefined
      case 'string': case 'boolean': return value
      case 'number': return P.isFiniteNumber(value) ? value : null
      case 'bigint': throw NotJsonSafe(path, 'a bigint')
      case 'symbol': throw NotJsonSafe(path, 'a symbol')
      case 'function': throw NotJsonSafe(path, 'a function')
    }
    if (value === null) return null
    if (depth > MAX_DEPTH) throw NotJsonSafe(path, 'nesting deeper than ' + MAX_DEPTH)
    if (seen.has(value)) throw NotJsonSafe(path, 'a circular reference')
    seen.add(value)
    try {
      if (P.isArray(value)) {
        const out = []
        const length = value.length
        for (let i = 0; i < length; i++) {
          const d = P.getDesc(value, i)
          if (d && ('get' in d || 'set' in d)) throw NotJsonSafe(path + '[' + i + ']', 'an accessor')
          const v = d ? copy(d.value, path + '[' + i + ']', depth + 1, seen) : undefined
          out[i] = v === undefined ? null : v
        }
        return out
      }
      const proto = P.getProto(value)
      if (proto === P.DateProto) return P.apply(P.toISO, value, [])
      if (typeof value.then === 'function' && proto !== P.ObjectProto && proto !== null)
        throw NotJsonSafe(path, 'a promise')
      const out = P.create(null)
      const names = P.ownKeys(value)
      for (let i = 0; i < names.length; i++) {
        const k = names[i]
        const d = P.getDesc(value, k)
        if (!d) continue
        if ('get' in d || 'set' in d) throw NotJsonSafe(path + '.' + k, 'an accessor')
        const v = copy(d.value, path + '.' + k, depth + 1, seen)
        if (v !== undefined) out[k] = v
      }
      return out
    } finally {
      seen.delete(value)
    }
  }

  return {
    serialize: function (value) {
      const copied = copy(value, '', 0, new P.SetCtor())
      return copied === undefined ? undefined : P.stringify(copied)
    },
  }
})
`

const DESCRIBE = String.raw`
(function (P, part) {
  'use strict'
  function clip(s, max) {
    s = P.StringCtor(s)
    return s.length > max ? s.slice(0, max) + '…' : s
  }
  return { describe: function (e) {
    let name = 'Error', message = '', stack = ''
    try {
      if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
        name = clip(e.name === undefined ? 'Error' : e.name, 200)
        message = clip(e.message === undefined ? '' : e.message, 4096)
        stack = e.stack === undefined ? '' : clip(e.stack, 8192)
      } else {
        message = 'Uncaught ' + clip(typeof e === 'string' ? e : part('console').inspect(e, 0, new P.SetCtor()), 4096)
      }
    } catch (inner) {
      message = 'unreadable thrown value'
    }
    return P.stringify({ name: name, message: message, stack: stack })
  } }
})
`

const CONSOLE = String.raw`
(function (P) {
  'use strict'
  function quote(s) { return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'" }

  // Formats console arguments like Node's util.inspect does for common values.
  function inspect(v, depth, seen) {
    switch (typeof v) {
      case 'string': return depth === 0 ? v : quote(v)
      case 'number': return (v === 0 && 1 / v < 0) ? '-0' : P.StringCtor(v)
      case 'bigint': return P.StringCtor(v) + 'n'
      case 'boolean': case 'undefined': return P.StringCtor(v)
      case 'symbol': return v.toString()
      case 'function': return '[Function: ' + (v.name || '(anonymous)') + ']'
    }
    if (v === null) return 'null'
    if (seen.has(v)) return '[Circular *1]'
    if (v instanceof P.ErrorCtor) return v.stack ? v.name + ': ' + v.message + '\n' + v.stack.replace(/\n$/, '') : v.name + ': ' + v.message
    if (P.getProto(v) === P.DateProto) return P.apply(P.toISO, v, [])
    if (depth > 2) return P.isArray(v) ? '[Array]' : '[Object]'
    seen.add(v)
    try {
      if (P.isArray(v)) {
        if (v.length === 0) return '[]'
        const parts = []
        for (let i = 0; i < v.length && i < 100; i++) parts.push(inspect(v[i], depth + 1, seen))
        if (v.length > 100) parts.push('... ' + (v.length - 100) + ' more items')
        return wrap('[', parts, ']')
      }
      const keys = P.ownKeys(v)
      if (keys.length === 0) return '{}'
      const parts = []
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]
        const d = P.getDesc(v, k)
        const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k)
        parts.push(key + ': ' + (d && ('get' in d || 'set' in d) ? '[Getter/Setter]' : inspect(d && d.value, depth + 1, seen)))
      }
      return wrap('{', parts, '}')
    } finally {
      seen.delete(v)
    }
  }

  function wrap(open, parts, close) {
    const oneLine = open + ' ' + parts.join(', ') + ' ' + close
    return oneLine.length <= 72 ? oneLine : open + '\n  ' + parts.join(',\n  ') + '\n' + close
  }

  function format(args) {
    let out = ''
    for (let i = 0; i < args.length; i++) out += (i ? ' ' : '') + inspect(args[i], 0, new P.SetCtor())
    return out + '\n'
  }

  return {
    inspect: inspect,
    out: function () { P.native.write(1, format(arguments)) },
    err: function () { P.native.write(2, format(arguments)) },
  }
})
`

const TIMERS = String.raw`
(function (P) {
  'use strict'
  const timers = new P.MapCtor()
  let nextTimer = 1
  function set(fn, ms, args, repeat) {
    if (typeof fn !== 'function') throw new P.TypeErrorCtor('callback must be a function')
    const id = nextTimer++
    const delay = P.isFiniteNumber(ms) && ms > 0 ? ms : 0
    if (!P.native.setTimer(id, delay))
      throw new P.RangeErrorCtor('too many pending timers (at most ${MAX_PENDING_TIMERS})')
    timers.set(id, { fn: fn, args: args, repeat: repeat, delay: delay })
    return id
  }
  return {
    setTimeout: function (fn, ms) { return set(fn, ms, P.apply(P.slice, arguments, [2]), false) },
    setInterval: function (fn, ms) { return set(fn, ms, P.apply(P.slice, arguments, [2]), true) },
    clear: function (id) { if (timers.delete(id)) P.native.clearTimer(id) },
    fire: function (id) {
      const t = timers.get(id)
      if (!t) return
      if (t.repeat) P.native.setTimer(id, t.delay)
      else timers.delete(id)
      P.apply(t.fn, undefined, t.args)
    },
    clearAll: function () { timers.clear() },
  }
})
`

const COMPLETE = String.raw`
(function (P, part) {
  'use strict'
  function serialize(v) {
    switch (typeof v) {
      case 'undefined': return undefined
      case 'string': case 'boolean': return P.stringify(v)
      case 'number': return P.isFiniteNumber(v) ? P.stringify(v) : 'null'
    }
    return v === null ? 'null' : part('copy').serialize(v)
  }
  function fail(e) { return '{"ok":false,"error":' + part('describe').describe(e) + '}' }

  // Runs after user code: awaits the value (or calls the default export with input) and serializes it.
  // Resolves with a JSON string {ok, value?} or {ok:false, error}; never rejects.
  function complete(value, mode) {
    return P.PromiseCtor.resolve(value).then(function (v) {
      if (mode === 'script') return v
      // QuickJS's async global eval resolves to { value: completion }
      if (mode === 'async-script') return v.value
      const ns = v
      if ('default' in ns) {
        const d = ns.default
        return typeof d === 'function' ? d(P.G.input) : d
      }
      return '__st_last' in ns ? ns.__st_last : undefined
    }).then(function (v) {
      const json = serialize(v)
      return json === undefined ? '{"ok":true}' : '{"ok":true,"value":' + json + '}'
    }, fail).then(undefined, fail)
  }
  return { complete: complete }
})
`

const HOST = String.raw`
(function (P, part) {
  'use strict'
  const StringCtor = P.StringCtor, ownKeys = P.ownKeys
  function call(name, args) {
    const json = part('copy').serialize(args)
    return P.native.hostCall(name, json === undefined ? '[]' : json).then(function (reply) {
      const r = P.parse(reply)
      if (r.ok) return r.value
      const e = new P.ErrorCtor(r.error.message)
      e.name = r.error.name
      if (r.error.code) e.code = r.error.code
      if (r.error.reason) e.reason = r.error.reason
      throw e
    })
  }

  function makeHeaders(h) {
    const map = new P.MapCtor()
    const keys = ownKeys(h)
    for (let i = 0; i < keys.length; i++) map.set(keys[i].toLowerCase(), h[keys[i]])
    return {
      get: function (k) { const v = map.get(StringCtor(k).toLowerCase()); return v === undefined ? null : v },
      has: function (k) { return map.has(StringCtor(k).toLowerCase()) },
      forEach: function (fn) { map.forEach(function (v, k) { fn(v, k) }) },
      entries: function () { return map.entries() },
    }
  }

  // The guest gets a small Response-like object.
  function fetch(url, init) {
    const request = { url: StringCtor(url), method: 'GET', headers: {}, body: undefined }
    if (init !== undefined && init !== null) {
      if (init.method !== undefined) request.method = StringCtor(init.method).toUpperCase()
      if (init.headers !== undefined) {
        const keys = ownKeys(init.headers)
        for (let i = 0; i < keys.length; i++) request.headers[keys[i]] = StringCtor(init.headers[keys[i]])
      }
      if (init.body !== undefined && init.body !== null) request.body = StringCtor(init.body)
    }
    return call('__fetch', [request]).then(function (r) {
      let used = false
      function body() {
        if (used) return P.PromiseCtor.reject(new P.TypeErrorCtor('body already used'))
        used = true
        return P.PromiseCtor.resolve(r.body)
      }
      return {
        status: r.status, statusText: r.statusText, ok: r.status >= 200 && r.status < 300,
        url: r.url, redirected: !!r.redirected, headers: makeHeaders(r.headers),
        text: body, json: function () { return body().then(P.parse) },
      }
    })
  }

  return { call: call, fetch: fetch }
})
`

export const PRELUDE_PARTS: Readonly<Record<PreludePartName, string>> = {
  complete: COMPLETE,
  copy: COPY,
  describe: DESCRIBE,
  console: CONSOLE,
  timers: TIMERS,
  host: HOST,
}

export function isPreludePart(name: string): name is PreludePartName {
  return Object.hasOwn(PRELUDE_PARTS, name)
}
