/**
 * The wasm sandbox's folder (the file contract, tier-files.ts), kept on the host. A wasm run gets a new
 * WASI instance whose in-memory filesystem ends with it, and runs go to any pooled worker, so nothing in
 * a worker survives between runs: the sandbox keeps its files here instead. A WASI run gets a copy at its
 * preopened folder "." and hands back what it left (wasi-disk-files.ts); modules without WASI see no files.
 *
 * Bounded by diskSpace: every file's bytes plus ENTRY_BYTES and the path per entry, the same charge the
 * run's disk budget (wasi-disk.ts) makes, so a run gets as budget what the folder leaves of diskSpace.
 */
import { FileError } from '../../errors.js'
import type { FileEntry, TierFiles } from '../tier-files.js'
import type { FolderSnapshot } from './wasi-disk-files.js'
import { ENTRY_BYTES } from './wasi-disk.js'

interface StoredFile {
  bytes: Uint8Array
  modifiedMs: number
}

export class WasiFolder implements TierFiles {
  readonly #limitBytes: number
  readonly #files = new Map<string, StoredFile>()
  readonly #dirs = new Map<string, number>()
  #lastMs = 0

  constructor(limitBytes: number) {
    this.#limitBytes = limitBytes
  }

  /** What the folder charges against diskSpace. */
  get usedBytes(): number {
    let bytes = 0
    for (const [path, file] of this.#files) bytes += entryBytes(path) + file.bytes.byteLength
    for (const path of this.#dirs.keys()) bytes += entryBytes(path)
    return bytes
  }

  write(path: string, data: Uint8Array): Promise<void> {
    const parents = parentsOf(path)
    for (const parent of parents)
      if (this.#files.has(parent)) return refuse('not-a-file', path, `${parent} is a file`)
    if (this.#dirs.has(path)) return refuse('not-a-file', path, 'a folder is there')
    const old = this.#files.get(path)
    const newDirs = parents.filter((p) => !this.#dirs.has(p))
    const added =
      data.byteLength -
      (old?.bytes.byteLength ?? 0) +
      (old ? 0 : entryBytes(path)) +
      newDirs.reduce((sum, p) => sum + entryBytes(p), 0)
    if (this.usedBytes + added > this.#limitBytes)
      return refuse('no-space', path, `past diskSpace (${this.#limitBytes} bytes)`)
    const now = this.#now()
    for (const dir of newDirs) this.#dirs.set(dir, now)
    this.#files.set(path, { bytes: data.slice(), modifiedMs: now })
    return Promise.resolve()
  }

  read(path: string, maxBytes: number): Promise<Uint8Array> {
    const file = this.#files.get(path)
    if (!file) return this.#dirs.has(path) ? refuse('not-a-file', path, 'a folder') : missing(path)
    if (file.bytes.byteLength > maxBytes)
      return refuse('too-large', path, `larger than ${maxBytes} bytes`)
    return Promise.resolve(file.bytes.slice())
  }

  list(path: string, maxEntries: number): Promise<FileEntry[]> {
    if (this.#files.has(path)) return refuse('not-a-file', path, 'a file, not a folder')
    if (path !== '.' && !this.#dirs.has(path)) return missing(path)
    const prefix = path === '.' ? '' : `${path}/`
    const entries: FileEntry[] = []
    for (const [dir, modifiedMs] of this.#dirs)
      if (dir.startsWith(prefix))
        entries.push({ path: dir, kind: 'directory', size: 0, modifiedMs })
    for (const [file, { bytes, modifiedMs }] of this.#files)
      if (file.startsWith(prefix))
        entries.push({ path: file, kind: 'file', size: bytes.byteLength, modifiedMs })
    return Promise.resolve(entries.slice(0, maxEntries))
  }

  remove(path: string): Promise<void> {
    this.#files.delete(path)
    this.#dirs.delete(path)
    const prefix = `${path}/`
    for (const file of [...this.#files.keys()])
      if (file.startsWith(prefix)) this.#files.delete(file)
    for (const dir of [...this.#dirs.keys()]) if (dir.startsWith(prefix)) this.#dirs.delete(dir)
    return Promise.resolve()
  }

  /** A copy for a run (its bytes are copied to the worker anyway). */
  snapshot(): FolderSnapshot {
    return {
      files: [...this.#files].map(([path, file]) => [path, file.bytes]),
      dirs: [...this.#dirs.keys()],
    }
  }

  /** Takes what a run left: unchanged files keep their time, changed and new ones get a new one. */
  replace(after: FolderSnapshot): void {
    const now = this.#now()
    const files = new Map<string, StoredFile>()
    for (const [path, bytes] of after.files) {
      const old = this.#files.get(path)
      const same = old !== undefined && Buffer.from(old.bytes).equals(Buffer.from(bytes))
      files.set(path, same ? old : { bytes, modifiedMs: now })
    }
    const dirs = new Map(after.dirs.map((dir) => [dir, this.#dirs.get(dir) ?? now]))
    this.#files.clear()
    this.#dirs.clear()
    for (const [path, file] of files) this.#files.set(path, file)
    for (const [dir, ms] of dirs) this.#dirs.set(dir, ms)
  }

  // Strictly increasing: a change in the same millisecond as the last one still shows as a change.
  #now(): number {
    this.#lastMs = Math.max(Date.now(), this.#lastMs + 1)
    return this.#lastMs
  }
}

function entryBytes(path: string): number {
  return ENTRY_BYTES + Buffer.byteLength(path)
}

/** 'a/b/c.txt' → ['a', 'a/b']. */
function parentsOf(path: string): string[] {
  const parents: string[] = []
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1))
    parents.push(path.slice(0, i))
  return parents
}

function refuse(reason: FileError['reason'], path: string, detail: string): Promise<never> {
  return Promise.reject(new FileError(reason, path, `${path}: ${detail}`))
}

function missing(path: string): Promise<never> {
  return refuse('not-found', path, 'no such file or folder')
}
