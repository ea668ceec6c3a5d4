/**
 * A quickjs sandbox's folder (/work as the guest sees it), kept in its guest worker beside the sandbox's
 * module so the guest's `fs` reads it synchronously: directories and regular files only (no links, no
 * devices), keyed by their normalized relative path ('a/b.txt'; the folder itself is '.').
 *
 * Every entry costs its path's UTF-8 bytes, its data and ENTRY_OVERHEAD_BYTES against the sandbox's
 * diskSpace: names count too, and the overhead bounds how many entries a folder can hold (each one is a
 * Map entry and an object in the worker's heap, outside the guest's memory limit).
 *
 * Entries are never changed in place (a write or an append makes a new entry with a new array), so the
 * copy of the folder a run keeps until it ends (copy on write, `beginRun`/`endRun`) is a shallow copy of
 * the map: a run that ends needing a capability is re-run on a container from the folder it started with.
 */

/** What each entry costs beside its path and data: the worker's bookkeeping of it, bounded by diskSpace. */
export const ENTRY_OVERHEAD_BYTES = 128

/** Node's error codes the folder raises; the guest part builds Node's errors from them. */
export type FolderCode =
  'ENOENT' | 'EISDIR' | 'ENOTDIR' | 'EEXIST' | 'ENOSPC' | 'ENOTEMPTY' | 'EINVAL'

export class FolderError extends Error {
  readonly code: FolderCode
  constructor(code: FolderCode) {
    super(code)
    this.code = code
  }
}

export interface FolderEntry {
  readonly kind: 'file' | 'directory'
  /** A file's bytes; empty for a directory. Never written in place. */
  readonly data: Uint8Array
  readonly modifiedMs: number
}

const ROOT = '.'
const EMPTY = new Uint8Array(0)

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/')
  return slash < 0 ? ROOT : path.slice(0, slash)
}

function costOf(path: string, entry: FolderEntry): number {
  return ENTRY_OVERHEAD_BYTES + Buffer.byteLength(path) + entry.data.byteLength
}

/** True when `path` lies below `dir` ('.' holds everything). */
function isBelow(path: string, dir: string): boolean {
  return dir === ROOT ? path !== ROOT : path.startsWith(`${dir}/`)
}

export class Folder {
  readonly capacityBytes: number
  #entries = new Map<string, FolderEntry>()
  #usedBytes = 0
  /** The folder as the run in progress found it, copied at its first change; undefined between runs. */
  #saved: { entries: Map<string, FolderEntry>; usedBytes: number } | undefined
  #inRun = false
  /** Moves at every change (and at a rollback): what the host last got of the folder is still current while it holds. */
  #version = 0

  constructor(capacityBytes: number) {
    this.capacityBytes = capacityBytes
  }

  get version(): number {
    return this.#version
  }

  /** The entries by path (read only: entries are never changed in place, so identity tells a change). */
  get entries(): ReadonlyMap<string, FolderEntry> {
    return this.#entries
  }

  /**
   * A folder holding `entries` (a snapshot's or a rebuilt sandbox's, parents before children).
   * @throws FolderError ENOSPC when they pass the capacity, ENOENT/ENOTDIR when a parent is missing.
   */
  static restore(capacityBytes: number, entries: Iterable<[string, FolderEntry]>): Folder {
    const folder = new Folder(capacityBytes)
    for (const [path, entry] of entries) {
      if (path === ROOT || folder.#entries.has(path)) throw new FolderError('EINVAL')
      folder.#checkParent(path)
      folder.#set(path, entry)
    }
    return folder
  }

  get usedBytes(): number {
    return this.#usedBytes
  }

  get isEmpty(): boolean {
    return this.#entries.size === 0
  }

  /** Bytes a write may still add to the folder (an entry replaced gives back its own). */
  roomBytes(path: string): number {
    const existing = this.#entries.get(path)
    return this.capacityBytes - this.#usedBytes + (existing?.data.byteLength ?? 0)
  }

  /** A run starts: the folder it finds is kept (at its first change) until endRun. */
  beginRun(): void {
    this.#inRun = true
    this.#saved = undefined
  }

  /** The run ended: its changes kept, or (a run re-run elsewhere) the folder put back as it found it. */
  endRun(keep: boolean): void {
    if (!keep && this.#saved) {
      this.#version++
      this.#entries = this.#saved.entries
      this.#usedBytes = this.#saved.usedBytes
    }
    this.#saved = undefined
    this.#inRun = false
  }

  #beforeChange(): void {
    this.#version++
    if (this.#inRun && !this.#saved)
      this.#saved = { entries: new Map(this.#entries), usedBytes: this.#usedBytes }
  }

  #set(path: string, entry: FolderEntry): void {
    const old = this.#entries.get(path)
    const delta = costOf(path, entry) - (old ? costOf(path, old) : 0)
    if (this.#usedBytes + delta > this.capacityBytes) throw new FolderError('ENOSPC')
    this.#beforeChange()
    this.#entries.set(path, entry)
    this.#usedBytes += delta
  }

  #delete(path: string): void {
    const old = this.#entries.get(path)
    if (!old) return
    this.#beforeChange()
    this.#entries.delete(path)
    this.#usedBytes -= costOf(path, old)
  }

  /** The entry at `path`; the folder itself is a directory. */
  stat(path: string): FolderEntry | undefined {
    if (path === ROOT) return { kind: 'directory', data: EMPTY, modifiedMs: 0 }
    return this.#entries.get(path)
  }

  /** The parent of `path` must be a directory: ENOENT when missing, ENOTDIR when a file. */
  #checkParent(path: string): void {
    const parent = this.stat(parentOf(path))
    if (!parent) throw new FolderError('ENOENT')
    if (parent.kind !== 'directory') throw new FolderError('ENOTDIR')
  }

  read(path: string): Uint8Array {
    const entry = this.stat(path)
    if (!entry) {
      this.#checkParent(path)
      throw new FolderError('ENOENT')
    }
    if (entry.kind !== 'file') throw new FolderError('EISDIR')
    return entry.data
  }

  /** Writes (or appends to) a regular file whose parent exists. */
  write(path: string, data: Uint8Array, append = false): void {
    if (path === ROOT) throw new FolderError('EISDIR')
    this.#checkParent(path)
    const old = this.#entries.get(path)
    if (old?.kind === 'directory') throw new FolderError('EISDIR')
    let bytes = data
    if (append && old) {
      if (old.data.byteLength + data.byteLength > this.roomBytes(path))
        throw new FolderError('ENOSPC')
      bytes = new Uint8Array(old.data.byteLength + data.byteLength)
      bytes.set(old.data)
      bytes.set(data, old.data.byteLength)
    }
    this.#set(path, { kind: 'file', data: bytes, modifiedMs: Date.now() })
  }

  /** Makes a directory; `recursive` makes its parents and accepts one already there. */
  mkdir(path: string, recursive: boolean): void {
    const existing = this.stat(path)
    if (existing) {
      if (recursive && existing.kind === 'directory') return
      throw new FolderError(existing.kind === 'directory' || !recursive ? 'EEXIST' : 'ENOTDIR')
    }
    if (recursive) {
      const parent = parentOf(path)
      if (parent !== ROOT) this.mkdir(parent, true)
    } else this.#checkParent(path)
    this.#set(path, { kind: 'directory', data: EMPTY, modifiedMs: Date.now() })
  }

  /** The names in a directory, sorted. */
  names(path: string): string[] {
    const dir = this.stat(path)
    if (!dir) throw new FolderError('ENOENT')
    if (dir.kind !== 'directory') throw new FolderError('ENOTDIR')
    const names: string[] = []
    for (const key of this.#entries.keys())
      if (isBelow(key, path) && parentOf(key) === path)
        names.push(key.slice(key.lastIndexOf('/') + 1))
    return names.sort()
  }

  /** Everything below a directory, depth first, at most `max` entries (a file asked for is ENOTDIR). */
  walk(path: string, max: number): [string, FolderEntry][] {
    const dir = this.stat(path)
    if (!dir) throw new FolderError('ENOENT')
    if (dir.kind !== 'directory') throw new FolderError('ENOTDIR')
    const out: [string, FolderEntry][] = []
    const visit = (at: string): void => {
      for (const name of this.names(at)) {
        if (out.length >= max) return
        const child = at === ROOT ? name : `${at}/${name}`
        const entry = this.#entries.get(child)
        if (!entry) continue
        out.push([child, entry])
        if (entry.kind === 'directory') visit(child)
      }
    }
    visit(path)
    return out
  }

  /** Removes a file, or a directory (with what is in it when `recursive`). */
  remove(path: string, recursive: boolean): void {
    if (path === ROOT) {
      if (!recursive) throw new FolderError('EINVAL')
      for (const key of [...this.#entries.keys()]) this.#delete(key)
      return
    }
    const entry = this.stat(path)
    if (!entry) throw new FolderError('ENOENT')
    if (entry.kind === 'directory') {
      const below = [...this.#entries.keys()].filter((key) => isBelow(key, path))
      if (below.length > 0 && !recursive) throw new FolderError('ENOTEMPTY')
      for (const key of below) this.#delete(key)
    }
    this.#delete(path)
  }

  /** Moves a file or a directory (with what is in it); replaces a file at `to`, as rename(2) does. */
  rename(from: string, to: string): void {
    const entry = this.stat(from)
    if (!entry || from === ROOT) throw new FolderError('ENOENT')
    if (to === ROOT || isBelow(to, from)) throw new FolderError('EINVAL')
    if (from === to) return
    this.#checkParent(to)
    const target = this.#entries.get(to)
    if (target?.kind === 'directory' && entry.kind !== 'directory') throw new FolderError('EISDIR')
    if (target && target.kind !== 'directory' && entry.kind === 'directory')
      throw new FolderError('ENOTDIR')
    if (target?.kind === 'directory' && this.names(to).length > 0)
      throw new FolderError('ENOTEMPTY')
    const moved = [[from, entry] as const, ...this.walk(from === ROOT ? ROOT : from, Infinity)]
    const renamed = entry.kind === 'directory' ? moved : [[from, entry] as const]
    // Names change length: the folder must have room for the renamed paths before anything moves.
    let delta = 0
    for (const [key] of renamed)
      delta += Buffer.byteLength(to + key.slice(from.length)) - Buffer.byteLength(key)
    if (target) delta -= costOf(to, target)
    if (this.#usedBytes + delta > this.capacityBytes) throw new FolderError('ENOSPC')
    if (target) this.#delete(to)
    for (const [key, value] of renamed) {
      this.#delete(key)
      this.#set(to + key.slice(from.length), value)
    }
  }
}
