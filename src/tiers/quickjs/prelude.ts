/**
 * Guest-side JavaScript installed in every QuickJS context before user code runs.
 *
 * Everything that reads guest values (formatting console arguments, copying the result, describing thrown
 * errors) happens here, inside the guest and under its deadline, so the host never runs guest getters, Proxy
 * traps or toJSON. The host only ever reads strings produced by these functions.
 *
 * `native` is a host object with: write(fd, text) → boolean, hostCall(name, argsJson) → Promise<string>,
 * setTimer(id, ms), clearTimer(id). It is captured here and removed from the global object.
 */
export const PRELUDE_SOURCE = String.raw`
(function (native) {
  'use strict'
  const G = globalThis
  const apply = Reflect.apply
  const ownKeys = Object.keys
  const getDesc = Object.getOwnPropertyDescriptor
  const getProto = Object.getPrototypeOf
  const defineProp = Object.defineProperty
  const create = Object.create
  const isArray = Array.isArray
  const stringify = JSON.stringify
  const parse = JSON.parse
  const ObjectProto = Object.prototype
  const DateProto = Date.prototype
  const toISO = Date.prototype.toISOString
  const ErrorCtor = Error
  const PromiseCtor = Promise
  const StringCtor = String
  const isFiniteNumber = Number.isFinite
  const nativeWrite = native.write
  const nativeHostCall = native.hostCall
  const nativeSetTimer = native.setTimer
  const nativeClearTimer = native.clearTimer
  const MAX_DEPTH = 256

  function NotJsonSafe(path, what) {
    const e = new TypeError('result is not JSON-safe: ' + what + (path ? ' at ' + path : ''))
    e.name = 'ResultNotSerializable'
    return e
  }

  // A JSON-safe deep copy made of data properties only: accessors, functions, symbols, bigints and cycles
  // are refused rather than invoked or silently dropped.
  function copy(value, path, depth, seen) {
    switch (typeof value) {
      case 'undefined': return undefined
      case 'string': case 'boolean': return value
      case 'number': return isFiniteNumber(value) ? value : null
      case 'bigint': throw NotJsonSafe(path, 'a bigint')
      case 'symbol': throw NotJsonSafe(path, 'a symbol')
      case 'function': throw NotJsonSafe(path, 'a function')
    }
    if (value === null) return null
    if (depth > MAX_DEPTH) throw NotJsonSafe(path, 'nesting deeper than ' + MAX_DEPTH)
    if (seen.has(value)) throw NotJsonSafe(path, 'a circular reference')
    seen.add(value)
    try {
      if (isArray(value)) {
        const out = []
        const length = value.length
        for (let i = 0; i < length; i++) {
          const d = getDesc(value, i)
          if (d && ('get' in d || 'set' in d)) throw NotJsonSafe(path + '[' + i + ']', 'an accessor')
          const v = d ? copy(d.value, path + '[' + i + ']', depth + 1, seen) : undefined
          out[i] = v === undefined ? null : v
        }
        return out
      }
      const proto = getProto(value)
      if (proto === DateProto) return apply(toISO, value, [])
      if (typeof value.then === 'function' && proto !== ObjectProto && proto !== null)
        throw NotJsonSafe(path, 'a promise')
      const out = create(null)
      const names = ownKeys(value)
      for (let i = 0; i < names.length; i++) {
        const k = names[i]
        const d = getDesc(value, k)
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

  function serialize(value) {
    const copied = copy(value, '', 0, new Set())
    return copied === undefined ? undefined : stringify(copied)
  }

  function clip(s, max) {
    s = StringCtor(s)
    return s.length > max ? s.slice(0, max) + '…' : s
  }

  // Reads a thrown value into plain strings, inside the guest.
  function describe(e) {
    let name = 'Error', message = '', stack = ''
    try {
      if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
        name = clip(e.name === undefined ? 'Error' : e.name, 200)
        message = clip(e.message === undefined ? '' : e.message, 4096)
        stack = e.stack === undefined ? '' : clip(e.stack, 8192)
      } else {
        name = 'Error'
        message = 'Uncaught ' + clip(typeof e === 'string' ? e : inspect(e, 0, new Set()), 4096)
      }
    } catch (inner) {
      message = 'unreadable thrown value'
    }
    return stringify({ name: name, message: message, stack: stack })
  }

  function quote(s) { return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'" }

  // Formats console arguments like Node's util.inspect does for common values.
  function inspect(v, depth, seen) {
    switch (typeof v) {
      case 'string': return depth === 0 ? v : quote(v)
      case 'number': return (v === 0 && 1 / v < 0) ? '-0' : StringCtor(v)
      case 'bigint': return StringCtor(v) + 'n'
      case 'boolean': case 'undefined': return StringCtor(v)
      case 'symbol': return v.toString()
      case 'function': return '[Function: ' + (v.name || '(anonymous)') + ']'
    }
    if (v === null) return 'null'
    if (seen.has(v)) return '[Circular *1]'
    if (v instanceof ErrorCtor) return v.stack ? v.name + ': ' + v.message + '\n' + v.stack.replace(/\n$/, '') : v.name + ': ' + v.message
    if (getProto(v) === DateProto) return apply(toISO, v, [])
    if (depth > 2) return isArray(v) ? '[Array]' : '[Object]'
    seen.add(v)
    try {
      if (isArray(v)) {
        if (v.length === 0) return '[]'
        const parts = []
        for (let i = 0; i < v.length && i < 100; i++) parts.push(inspect(v[i], depth + 1, seen))
        if (v.length > 100) parts.push('... ' + (v.length - 100) + ' more items')
        return wrap('[', parts, ']')
      }
      const keys = ownKeys(v)
      if (keys.length === 0) return '{}'
      const parts = []
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]
        const d = getDesc(v, k)
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
    for (let i = 0; i < args.length; i++) out += (i ? ' ' : '') + inspect(args[i], 0, new Set())
    return out + '\n'
  }

  const consoleObject = create(null)
  const toStdout = function () { nativeWrite(1, format(arguments)) }
  const toStderr = function () { nativeWrite(2, format(arguments)) }
  consoleObject.log = toStdout
  consoleObject.info = toStdout
  consoleObject.debug = toStdout
  consoleObject.warn = toStderr
  consoleObject.error = toStderr
  consoleObject.trace = toStderr
  defineProp(G, 'console', { value: consoleObject, writable: true, configurable: true })

  // Timers are driven by the worker and live for the current run only.
  const timers = new Map()
  let nextTimer = 1
  function setTimer(fn, ms, args, repeat) {
    if (typeof fn !== 'function') throw new TypeError('callback must be a function')
    const id = nextTimer++
    const delay = isFiniteNumber(ms) && ms > 0 ? ms : 0
    timers.set(id, { fn: fn, args: args, repeat: repeat, delay: delay })
    nativeSetTimer(id, delay)
    return id
  }
  G.setTimeout = function (fn, ms) { return setTimer(fn, ms, [].slice.call(arguments, 2), false) }
  G.setInterval = function (fn, ms) { return setTimer(fn, ms, [].slice.call(arguments, 2), true) }
  G.clearTimeout = G.clearInterval = function (id) {
    if (timers.delete(id)) nativeClearTimer(id)
  }
  G.queueMicrotask = function (fn) { PromiseCtor.resolve().then(fn) }
  function fireTimer(id) {
    const t = timers.get(id)
    if (!t) return
    if (t.repeat) nativeSetTimer(id, t.delay)
    else timers.delete(id)
    apply(t.fn, undefined, t.args)
  }
  function clearTimers() { timers.clear() }

  function callHost(name, args) {
    const json = serialize(args)
    return nativeHostCall(name, json === undefined ? '[]' : json).then(function (reply) {
      const r = parse(reply)
      if (r.ok) return r.value
      const e = new ErrorCtor(r.error.message)
      e.name = r.error.name
      if (r.error.code) e.code = r.error.code
      if (r.error.reason) e.reason = r.error.reason
      throw e
    })
  }

  function makeHeaders(h) {
    const map = new Map()
    for (const k of ownKeys(h)) map.set(k.toLowerCase(), h[k])
    return {
      get: function (k) { const v = map.get(StringCtor(k).toLowerCase()); return v === undefined ? null : v },
      has: function (k) { return map.has(StringCtor(k).toLowerCase()) },
      forEach: function (fn) { map.forEach(function (v, k) { fn(v, k) }) },
      entries: function () { return map.entries() },
    }
  }

  // fetch goes through the host's network policy; the guest gets a small Response-like object.
  G.fetch = function (url, init) {
    const request = { url: StringCtor(url), method: 'GET', headers: {}, body: undefined }
    if (init !== undefined && init !== null) {
      if (init.method !== undefined) request.method = StringCtor(init.method).toUpperCase()
      if (init.headers !== undefined) for (const k of ownKeys(init.headers)) request.headers[k] = StringCtor(init.headers[k])
      if (init.body !== undefined && init.body !== null) request.body = StringCtor(init.body)
    }
    return callHost('__fetch', [request]).then(function (r) {
      let used = false
      function body() {
        if (used) return PromiseCtor.reject(new TypeError('body already used'))
        used = true
        return PromiseCtor.resolve(r.body)
      }
      return {
        status: r.status, statusText: r.statusText, ok: r.status >= 200 && r.status < 300,
        url: r.url, redirected: !!r.redirected, headers: makeHeaders(r.headers),
        text: body, json: function () { return body().then(parse) },
      }
    })
  }

  function installHostFunction(name) {
    defineProp(G, name, {
      value: function () { return callHost(name, [].slice.call(arguments)) },
      writable: true, configurable: true,
    })
  }

  // Runs after user code: awaits the value (or calls the default export with input) and serializes it.
  // Resolves with a JSON string {ok, value?} or {ok:false, error}; never rejects.
  function complete(value, mode) {
    return PromiseCtor.resolve(value).then(function (v) {
      if (mode === 'script') return v
      // QuickJS's async global eval resolves to { value: completion }
      if (mode === 'async-script') return v.value
      const ns = v
      if ('default' in ns) {
        const d = ns.default
        return typeof d === 'function' ? d(G.input) : d
      }
      return '__st_last' in ns ? ns.__st_last : undefined
    }).then(function (v) {
      const json = serialize(v)
      return json === undefined ? '{"ok":true}' : '{"ok":true,"value":' + json + '}'
    }, function (e) {
      return '{"ok":false,"error":' + describe(e) + '}'
    }).then(undefined, function (e) {
      return '{"ok":false,"error":' + describe(e) + '}'
    })
  }

  function setInput(json) {
    defineProp(G, 'input', { value: json === undefined ? undefined : parse(json), writable: true, configurable: true })
  }

  return { complete: complete, describe: describe, setInput: setInput, fireTimer: fireTimer,
           clearTimers: clearTimers, installHostFunction: installHostFunction }
})
`
