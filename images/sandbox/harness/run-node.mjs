// sandtier node harness: runs one request's JavaScript (types already stripped on the host) and reports its
// value on a side channel. Same value rule as the QuickJS tier: a script's completion value (awaited), or a
// module's default export (a function is called with `input` and awaited), else its last expression, which
// the host exposed as the export `__st_last`.
//
// Request: the start of stdin, `<byte length>\n<JSON>` with {code, isModule, input?, nonce}, read before any guest
// code runs (never in the environment, argv or a file, where another process could read it); the guest's own
// stdin follows it, unread.
// Report: one line at the very end of stderr, `\0sandtier:<nonce>:<json>\n`, where json is {value?} or
// {error: {name, message, stack, code?}}; the host strips it, so guest stdout and stderr are never mixed with it.
import { readSync, writeFileSync, mkdirSync, unlinkSync, writeSync } from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const MAX_DEPTH = 256

const MAX_HEADER_BYTES = 20

// Reads up to `length` bytes of stdin into buf at offset; 0 at end of input. Waits out EAGAIN (a
// non-blocking stdin) instead of failing.
function readStdin(buf, offset, length) {
  for (;;) {
    try {
      return readSync(0, buf, offset, length, null)
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1)
    }
  }
}

// Exactly the framed request and not one byte more: what follows is the guest's stdin.
function readRequest() {
  const byte = Buffer.alloc(1)
  let header = ''
  for (;;) {
    if (readStdin(byte, 0, 1) === 0) throw new Error('sandtier: the request ended early')
    if (byte[0] === 0x0a) break
    header += String.fromCharCode(byte[0])
    if (header.length > MAX_HEADER_BYTES) throw new Error('sandtier: bad request header')
  }
  const body = Buffer.alloc(Number(header))
  for (let at = 0; at < body.length; ) {
    const got = readStdin(body, at, body.length - at)
    if (got === 0) throw new Error('sandtier: the request ended early')
    at += got
  }
  return JSON.parse(body.toString('utf8'))
}

function notJsonSafe(path, what) {
  const e = new TypeError('result is not JSON-safe: ' + what + (path ? ' at ' + path : ''))
  e.name = 'ResultNotSerializable'
  return e
}

// A JSON-safe copy made of data properties only (the QuickJS tier's rule): accessors, functions, symbols,
// bigints, promises and cycles are refused; non-finite numbers become null, Dates ISO strings.
function copy(value, path, depth, seen) {
  switch (typeof value) {
    case 'undefined':
      return undefined
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? value : null
    case 'bigint':
      throw notJsonSafe(path, 'a bigint')
    case 'symbol':
      throw notJsonSafe(path, 'a symbol')
    case 'function':
      throw notJsonSafe(path, 'a function')
  }
  if (value === null) return null
  if (depth > MAX_DEPTH) throw notJsonSafe(path, 'nesting deeper than ' + MAX_DEPTH)
  if (seen.has(value)) throw notJsonSafe(path, 'a circular reference')
  seen.add(value)
  try {
    if (Array.isArray(value)) {
      const out = []
      for (let i = 0; i < value.length; i++) {
        const d = Object.getOwnPropertyDescriptor(value, i)
        if (d && ('get' in d || 'set' in d)) throw notJsonSafe(path + '[' + i + ']', 'an accessor')
        const v = d ? copy(d.value, path + '[' + i + ']', depth + 1, seen) : undefined
        out[i] = v === undefined ? null : v
      }
      return out
    }
    const proto = Object.getPrototypeOf(value)
    if (proto === Date.prototype) return Date.prototype.toISOString.call(value)
    if (typeof value.then === 'function' && proto !== Object.prototype && proto !== null)
      throw notJsonSafe(path, 'a promise')
    const out = {}
    for (const k of Object.keys(value)) {
      const d = Object.getOwnPropertyDescriptor(value, k)
      if (!d) continue
      if ('get' in d || 'set' in d) throw notJsonSafe(path + '.' + k, 'an accessor')
      const v = copy(d.value, path + '.' + k, depth + 1, seen)
      if (v !== undefined)
        Object.defineProperty(out, k, { value: v, enumerable: true, writable: true })
    }
    return out
  } finally {
    seen.delete(value)
  }
}

function describe(e) {
  try {
    if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
      return {
        name: String(e.name ?? 'Error').slice(0, 200),
        message: String(e.message ?? '').slice(0, 4096),
        stack: e.stack === undefined ? '' : String(e.stack).slice(0, 8192),
      }
    }
    return { name: 'Error', message: 'Uncaught ' + String(e).slice(0, 4096), stack: '' }
  } catch {
    return { name: 'Error', message: 'unreadable thrown value', stack: '' }
  }
}

const request = readRequest()
let report = {}
let reported = false

// Written last, after the event loop drained (or process.exit), so no guest output can follow it.
process.on('exit', () => {
  if (reported) return
  reported = true
  writeSync(2, '\0sandtier:' + request.nonce + ':' + JSON.stringify(report) + '\n')
})

function fail(e) {
  const error = describe(e)
  report = { error }
  if (error.name === 'ResultNotSerializable') {
    report.error.code = 'ERR_RESULT_NOT_SERIALIZABLE'
  } else {
    process.stderr.write((error.stack || error.name + ': ' + error.message) + '\n')
    process.exitCode = 1
  }
}

Object.defineProperty(globalThis, 'input', {
  value: request.input,
  writable: true,
  configurable: true,
})
globalThis.require = createRequire('/work/')

try {
  let value
  if (request.isModule) {
    mkdirSync('/tmp/.sandtier', { recursive: true, mode: 0o700 })
    const file = '/tmp/.sandtier/main-' + request.nonce + '.mjs'
    // Readable by this run only while it is imported, then gone; the run's processes are ended at its end.
    writeFileSync(file, request.code, { mode: 0o600 })
    let ns
    try {
      ns = await import(pathToFileURL(file).href)
    } finally {
      unlinkSync(file)
    }
    if ('default' in ns)
      value = typeof ns.default === 'function' ? ns.default(globalThis.input) : ns.default
    else value = '__st_last' in ns ? ns.__st_last : undefined
  } else {
    value = (0, eval)(request.code + '\n//# sourceURL=main.js')
  }
  value = await value
  try {
    const copied = copy(value, '', 0, new Set())
    report = copied === undefined ? {} : { value: copied }
  } catch (e) {
    fail(e)
  }
} catch (e) {
  fail(e)
}
