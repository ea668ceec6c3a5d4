/**
 * The host's copy of a quickjs sandbox's folder (folder-tree.ts), so the folder survives the loss of its
 * worker (issue 14) and goes into snapshots and forks (issue 19) like the sandbox's memory image.
 *
 * The worker sends what changed since the host's copy (FolderDelta) with the reply of every run and file
 * operation that changed the folder: entries are never changed in place, so an entry whose object is not
 * the one last sent is new or changed. The host applies the deltas in the order the replies come (the
 * worker answers one sandbox's messages in order). When the host has no copy (it did not fit the image
 * budget) it asks for the whole folder with its next message (`folderFull`).
 */
import type { FolderImageEntry } from '../tier.js'
import { ENTRY_OVERHEAD_BYTES, type Folder, type FolderEntry } from './folder-tree.js'

/** What changed in a folder since the host's copy; `full`: the whole folder, the copy replaced. */
export interface FolderDelta {
  full: boolean
  set: FolderImageEntry[]
  removed: string[]
}

/** Worker side: what the host holds of one sandbox's folder. */
export class FolderSync {
  #sent: ReadonlyMap<string, FolderEntry> | undefined
  #version = -1

  /** `hostHas`: the folder was just rebuilt from the host's copy, so the host holds it already. */
  constructor(folder: Folder, hostHas: boolean) {
    if (hostHas) this.#mark(folder)
  }

  #mark(folder: Folder): void {
    this.#sent = new Map(folder.entries)
    this.#version = folder.version
  }

  /** The changes since the host's copy (everything when `full` or when it has none); undefined: none. */
  delta(folder: Folder, full = false): FolderDelta | undefined {
    const sent = full ? undefined : this.#sent
    if (sent && folder.version === this.#version) return undefined
    const set: FolderImageEntry[] = []
    const removed: string[] = []
    for (const [path, entry] of folder.entries)
      if (sent?.get(path) !== entry) set.push(imageEntry(path, entry))
    if (sent) for (const path of sent.keys()) if (!folder.entries.has(path)) removed.push(path)
    this.#mark(folder)
    if (sent && set.length === 0 && removed.length === 0) return undefined
    return { full: sent === undefined, set, removed }
  }
}

/** Worker side: the whole folder, parents before children (a snapshot's). */
export function folderList(folder: Folder): FolderImageEntry[] {
  return FolderCopy.of([...folder.entries].map(([path, entry]) => imageEntry(path, entry))).list()
}

function imageEntry(path: string, entry: FolderEntry): FolderImageEntry {
  return { path, kind: entry.kind, modifiedMs: entry.modifiedMs, data: entry.data }
}

/** What a folder entry costs on the host (its path, data and the folder's own overhead per entry). */
export function entryBytes(entry: FolderImageEntry): number {
  return ENTRY_OVERHEAD_BYTES + Buffer.byteLength(entry.path) + entry.data.byteLength
}

/** Host side: the folder as the worker last reported it. */
export class FolderCopy {
  readonly #entries = new Map<string, FolderImageEntry>()
  #bytes = 0

  /** Host bytes the copy holds (counted against the tier's image budget). */
  get bytes(): number {
    return this.#bytes
  }

  get isEmpty(): boolean {
    return this.#entries.size === 0
  }

  /** A copy of `entries` (a snapshot's folder). */
  static of(entries: readonly FolderImageEntry[]): FolderCopy {
    const copy = new FolderCopy()
    copy.apply({ full: true, set: [...entries], removed: [] })
    return copy
  }

  apply(delta: FolderDelta): void {
    if (delta.full) {
      this.#entries.clear()
      this.#bytes = 0
    }
    for (const path of delta.removed) this.#remove(path)
    for (const entry of delta.set) {
      this.#remove(entry.path)
      this.#entries.set(entry.path, entry)
      this.#bytes += entryBytes(entry)
    }
  }

  #remove(path: string): void {
    const old = this.#entries.get(path)
    if (!old) return
    this.#entries.delete(path)
    this.#bytes -= entryBytes(old)
  }

  /** The entries, parents before children (what Folder.restore needs). */
  list(): FolderImageEntry[] {
    return [...this.#entries.values()].sort(
      (a, b) => depthOf(a.path) - depthOf(b.path) || (a.path < b.path ? -1 : 1),
    )
  }
}

function depthOf(path: string): number {
  let depth = 0
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) depth++
  return depth
}

/** The worker's folder rebuilt from the host's entries. @throws FolderError when they do not fit. */
export function folderEntries(entries: readonly FolderImageEntry[]): [string, FolderEntry][] {
  return entries.map((e) => [e.path, { kind: e.kind, data: e.data, modifiedMs: e.modifiedMs }])
}
