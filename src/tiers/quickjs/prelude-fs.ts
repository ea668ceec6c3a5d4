/**
 * The 'fs' part of the guest prelude (see prelude.ts, prelude-parts.ts): `require('fs')`, `import fs from
 * 'fs'` ('node:fs', 'fs/promises') on the sandbox's in-memory folder (folder-tree.ts), which the guest sees
 * as /work (relative paths resolve there). Compiled on first use (a lazy part): run('1+1') never pays for it.
 *
 * The subset: readFileSync (utf8 or bytes as a Uint8Array), writeFileSync, appendFileSync, existsSync,
 * mkdirSync({ recursive }), readdirSync({ withFileTypes }), statSync, unlinkSync, rmSync({ recursive, force }),
 * renameSync, and the same names (without Sync) on fs.promises. Errors are Node's: `ENOENT: no such file or
 * directory, open '/work/x'` with code, errno, syscall and path.
 *
 * Everything else of Node's fs (streams, file descriptors, watch, chmod, links…), another encoding, and any
 * path outside /work (/etc/os-release, /proc) stops the run with ERR_CAPABILITY_REQUIRED for 'fs', as before
 * this part existed: the manager re-runs the job on a container, where Node's own fs has them.
 *
 * The native `fs(op, path, a, b)` takes a path normalized here (and checks it again) and answers a number
 * (an index into CODES) for an error, or the op's value. Written with primordials only (prelude.ts).
 */
import { constants, promises } from 'node:fs'
import * as nodeFs from 'node:fs'
import { MAX_FOLDER_PATH_CHARS, NATIVE_FS_CODES } from './folder-native.js'

const SYNC = [
  'readFileSync',
  'writeFileSync',
  'appendFileSync',
  'existsSync',
  'mkdirSync',
  'readdirSync',
  'statSync',
  'unlinkSync',
  'rmSync',
  'renameSync',
]
/** Node's other fs functions: each one asks for the 'fs' capability (a container) when called. */
const OTHER_SYNC = Object.keys(nodeFs).filter(
  (name) => name !== 'default' && name !== 'promises' && name !== 'constants' && !SYNC.includes(name),
)
const OTHER_PROMISES = Object.keys(promises).filter(
  (name) => name !== 'constants' && !SYNC.includes(`${name}Sync`),
)

/** The names the fs module exports (the ES module's named exports, see folder-modules.ts). */
export const FS_EXPORT_NAMES: readonly string[] = [...SYNC, ...OTHER_SYNC, 'promises', 'constants']
export const FS_PROMISES_EXPORT_NAMES: readonly string[] = [
  ...SYNC.map((name) => name.slice(0, -4)),
  ...OTHER_PROMISES,
  'constants',
]

export const FS_PART = String.raw`
(function (P) {
  'use strict'
  const apply = P.apply, native = P.native, setOwn = P.setOwn
  const CODES = ${JSON.stringify(NATIVE_FS_CODES)}
  const ERRNO = { ENOENT: -2, EISDIR: -21, ENOTDIR: -20, EEXIST: -17, ENOSPC: -28, ENOTEMPTY: -39, EINVAL: -22,
    ENOMEM: -12, ENAMETOOLONG: -36 }
  const TEXT = { ENOENT: 'no such file or directory', EISDIR: 'illegal operation on a directory',
    ENOTDIR: 'not a directory', EEXIST: 'file already exists', ENOSPC: 'no space left on device',
    ENOTEMPTY: 'directory not empty', EINVAL: 'invalid argument', ENOMEM: 'not enough memory',
    ENAMETOOLONG: 'name too long' }
  const MAX_PATH = ${MAX_FOLDER_PATH_CHARS}
  const U8 = P.typedArrays.Uint8Array

  function fsError(code, syscall, path, dest) {
    const e = new P.ErrorCtor(code + ': ' + TEXT[code] + ', ' + syscall + " '" + path + "'" +
      (dest === undefined ? '' : " -> '" + dest + "'"))
    setOwn(e, 'errno', ERRNO[code])
    setOwn(e, 'code', code)
    setOwn(e, 'syscall', syscall)
    setOwn(e, 'path', path)
    if (dest !== undefined) setOwn(e, 'dest', dest)
    return e
  }
  function argError(name, what) {
    const e = new P.TypeErrorCtor('The "' + name + '" argument must be ' + what)
    setOwn(e, 'code', 'ERR_INVALID_ARG_TYPE')
    return e
  }
  // Stops the run: a container has what this part does not. The throw only unwinds the guest's stack.
  function needContainer() {
    native.needs('fs')
    return new P.ErrorCtor('fs: this needs a container (ERR_CAPABILITY_REQUIRED)')
  }

  // '/work/a/../b' or 'b' → 'b'; '/work' → '.'; a path outside /work stops the run.
  function resolve(path, name) {
    if (typeof path !== 'string') throw argError(name || 'path', 'of type string')
    if (path.length > MAX_PATH) throw fsError('ENAMETOOLONG', 'open', apply(P.strSlice, path, [0, 64]) + '…')
    if (apply(P.strIndexOf, path, ['\u0000']) >= 0) throw argError(name || 'path', 'a string without null bytes')
    const full = apply(P.strCharCodeAt, path, [0]) === 47 ? path : '/work/' + path
    const names = []
    let start = 0
    for (let i = 0; i <= full.length; i++) {
      if (i < full.length && apply(P.strCharCodeAt, full, [i]) !== 47) continue
      const segment = apply(P.strSlice, full, [start, i])
      start = i + 1
      if (segment === '' || segment === '.') continue
      if (segment === '..') { if (names.length > 0) names.length = names.length - 1; continue }
      names[names.length] = segment
    }
    if (names.length === 0 || names[0] !== 'work') throw needContainer()
    let rel = ''
    for (let i = 1; i < names.length; i++) rel = rel === '' ? names[i] : rel + '/' + names[i]
    return rel === '' ? '.' : rel
  }
  // The native's answer: a number is an error code.
  function call(op, syscall, path, rel, a, b, dest) {
    const result = native.fs(op, rel, a, b)
    if (typeof result === 'number') throw fsError(CODES[result], syscall, path, dest)
    return result
  }
  function encodingOf(options) {
    const encoding = typeof options === 'string' ? options : options !== null && typeof options === 'object' ? options.encoding : undefined
    if (encoding === undefined || encoding === null) return null
    if (encoding === 'utf8' || encoding === 'utf-8') return 'utf8'
    throw needContainer()
  }
  // Data to write: a string, or the bytes of a typed array / DataView / ArrayBuffer, copied into an intrinsic ArrayBuffer.
  function dataOf(data) {
    if (typeof data === 'string') return data
    if (data !== null && typeof data === 'object') {
      let tag
      try { tag = apply(P.taTag, data, []) } catch { tag = undefined }
      if (tag !== undefined) {
        const offset = apply(P.taByteOffset, data, []), length = apply(P.taByteLength, data, [])
        return apply(P.abSlice, apply(P.taBuffer, data, []), [offset, offset + length])
      }
      try {
        const offset = apply(P.dvByteOffset, data, []), length = apply(P.dvByteLength, data, [])
        return apply(P.abSlice, apply(P.dvBuffer, data, []), [offset, offset + length])
      } catch {}
      try { return apply(P.abSlice, data, [0]) } catch {}
    }
    throw argError('data', 'of type string or an instance of Buffer, TypedArray, or DataView')
  }
  function flagOf(options) {
    return options !== null && typeof options === 'object' && options.flag === 'a' ? 1 : 0
  }

  function readFileSync(path, options) {
    const rel = resolve(path)
    const result = call('read', 'open', path, rel, encodingOf(options) === 'utf8' ? 1 : 0)
    return typeof result === 'string' ? result : new U8(result)
  }
  function writeFileSync(path, data, options) {
    const rel = resolve(path)
    encodingOf(options)
    call('write', 'open', path, rel, dataOf(data), flagOf(options))
  }
  function appendFileSync(path, data, options) {
    const rel = resolve(path)
    encodingOf(options)
    call('write', 'open', path, rel, dataOf(data), 1)
  }
  function statOf(path, rel, syscall) {
    const text = call('stat', syscall, path, rel)
    const space = apply(P.strIndexOf, text, [' ']), space2 = apply(P.strIndexOf, text, [' ', space + 1])
    const isDir = apply(P.strSlice, text, [0, space]) === 'd'
    const size = P.NumberCtor(apply(P.strSlice, text, [space + 1, space2]))
    const mtimeMs = P.NumberCtor(apply(P.strSlice, text, [space2 + 1]))
    return { isDir, size, mtimeMs }
  }
  function statSync(path, options) {
    const rel = resolve(path)
    let s
    try { s = statOf(path, rel, 'stat') } catch (e) {
      if (options !== null && typeof options === 'object' && options.throwIfNoEntry === false && e.code === 'ENOENT') return undefined
      throw e
    }
    const isDir = s.isDir
    return {
      size: s.size, mtimeMs: s.mtimeMs, mtime: new P.DateCtor(s.mtimeMs),
      isFile: function () { return !isDir }, isDirectory: function () { return isDir },
      isSymbolicLink: function () { return false },
    }
  }
  function existsSync(path) {
    let rel
    try { rel = resolve(path) } catch (e) { if (typeof path !== 'string') return false; throw e }
    return typeof native.fs('stat', rel) === 'string'
  }
  function mkdirSync(path, options) {
    const rel = resolve(path)
    const recursive = options !== null && typeof options === 'object' && options.recursive === true
    const existed = recursive && typeof native.fs('stat', rel) === 'string'
    call('mkdir', 'mkdir', path, rel, recursive ? 1 : 0)
    return recursive && !existed ? (rel === '.' ? '/work' : '/work/' + rel) : undefined
  }
  function readdirSync(path, options) {
    const rel = resolve(path)
    const names = P.parse(call('readdir', 'scandir', path, rel))
    if (options === null || typeof options !== 'object' || options.withFileTypes !== true) return names
    const out = []
    for (let i = 0; i < names.length; i++) {
      const name = names[i]
      const isDir = statOf(path, rel === '.' ? name : rel + '/' + name, 'stat').isDir
      out[i] = { name: name, parentPath: path, path: path,
        isFile: function () { return !isDir }, isDirectory: function () { return isDir },
        isSymbolicLink: function () { return false } }
    }
    return out
  }
  function unlinkSync(path) {
    const rel = resolve(path)
    if (statOf(path, rel, 'unlink').isDir) throw fsError('EISDIR', 'unlink', path)
    call('rm', 'unlink', path, rel, 0)
  }
  function rmSync(path, options) {
    const rel = resolve(path)
    const o = options !== null && typeof options === 'object' ? options : {}
    const recursive = o.recursive === true, force = o.force === true
    const answer = native.fs('stat', rel)
    if (typeof answer === 'number') {
      if (force && CODES[answer] === 'ENOENT') return
      throw fsError(CODES[answer], 'lstat', path)
    }
    if (apply(P.strSlice, answer, [0, 1]) === 'd' && !recursive) throw fsError('EISDIR', 'rm', path)
    call('rm', 'rm', path, rel, 1)
  }
  function renameSync(from, to) {
    const relFrom = resolve(from, 'oldPath'), relTo = resolve(to, 'newPath')
    call('rename', 'rename', from, relFrom, relTo, undefined, to)
  }

  const sync = { readFileSync, writeFileSync, appendFileSync, existsSync, mkdirSync, readdirSync, statSync,
    unlinkSync, rmSync, renameSync }
  const fs = {}
  const promisesApi = {}
  const syncNames = ${JSON.stringify(SYNC)}
  for (let i = 0; i < syncNames.length; i++) {
    const name = syncNames[i], fn = sync[name]
    setOwn(fs, name, fn)
    if (name === 'existsSync') continue
    setOwn(promisesApi, apply(P.strSlice, name, [0, -4]), async function () { return apply(fn, undefined, arguments) })
  }
  // existsSync has no promise form in Node; fs.exists is deprecated and asks for a container like the rest.
  function other(name) {
    return function () { throw needContainer() }
  }
  const otherSync = ${JSON.stringify(OTHER_SYNC)}
  for (let i = 0; i < otherSync.length; i++) setOwn(fs, otherSync[i], other(otherSync[i]))
  const otherPromises = ${JSON.stringify(OTHER_PROMISES)}
  for (let i = 0; i < otherPromises.length; i++) setOwn(promisesApi, otherPromises[i], other(otherPromises[i]))
  const fsConstants = P.parse(${JSON.stringify(JSON.stringify(constants))})
  setOwn(fs, 'constants', fsConstants)
  setOwn(promisesApi, 'constants', fsConstants)
  setOwn(fs, 'promises', promisesApi)

  return {
    require: function (id) {
      if (id === 'fs' || id === 'node:fs') return fs
      if (id === 'fs/promises' || id === 'node:fs/promises') return promisesApi
      native.needs(typeof id === 'string' ? apply(P.strSlice, id, [0, 200]) : 'require')
      throw new P.ErrorCtor("Cannot find module '" + P.StringCtor(id) + "' in the quickjs tier")
    },
  }
})
`
