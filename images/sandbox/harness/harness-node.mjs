// sandtier node harness, the part both ways of running JavaScript share: run-node.mjs (one process per run) and
// session-node.mjs (one live interpreter per sandbox whose globals persist across runs) import it, so the
// request framing, the JSON-safe copy and the error description are written once.
import { mkdirSync, readSync, unlinkSync, writeFileSync } from 'node:fs'
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
export function readRequest() {
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
export function copy(value, path, depth, seen) {
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

export function describe(e) {
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

const MAX_BODY_HEADER = MAX_HEADER_BYTES

// `<byte length>\n<JSON>` then the guest's stdin, from bytes already read: { request, stdin }.
export function splitRequest(data) {
  const newline = data.indexOf(0x0a)
  const header = newline < 0 ? '' : data.subarray(0, newline).toString('latin1')
  if (newline < 0 || header.length > MAX_BODY_HEADER || !/^[0-9]+$/.test(header))
    throw new Error('sandtier: bad request header')
  const end = newline + 1 + Number(header)
  if (data.length < end) throw new Error('sandtier: the request ended early')
  return {
    request: JSON.parse(data.subarray(newline + 1, end).toString('utf8')),
    stdin: data.subarray(end),
  }
}

// The report as the host strips it from the end of stderr.
export function reportLine(nonce, report) {
  return '\0sandtier:' + nonce + ':' + JSON.stringify(report) + '\n'
}

// Runs the request's code: a module is imported from a file of its own, a script goes to `runScript` (indirect
// eval for a one-shot run, the global scope of the session's context for a session). The value is awaited and
// copied; a failure is written to stderr. { report: {value?} | {error}, failed: true when the code threw }.
export async function runRequest(request, runScript) {
  let report = {}
  let failed = false
  const fail = (e) => {
    const error = describe(e)
    report = { error }
    if (error.name === 'ResultNotSerializable') {
      report.error.code = 'ERR_RESULT_NOT_SERIALIZABLE'
    } else {
      process.stderr.write((error.stack || error.name + ': ' + error.message) + '\n')
      failed = true
    }
  }
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
      value = runScript(request.code + '\n//# sourceURL=main.js')
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
  return { report, failed }
}
