/**
 * The file half of the Python tier's WASI preview 1 (worker side): descriptors over the in-memory trees of
 * wasi-tree.ts. Paths resolve only inside the mount of the descriptor they start from ('..' past its root is
 * ENOTCAPABLE), there are no links, and every call that could grow a mount reserves the bytes first (ENOSPC
 * past its budget). A descriptor number is never reused by one interpreter (`nextFd` travels with the
 * sandbox's state), so a file object kept across runs never reaches another file.
 */
import {
  ENTRY_COST_BYTES,
  chargedBytes,
  growFile,
  type DirNode,
  type FileNode,
  type Mount,
  type TreeNode,
} from './wasi-tree.js'
import { ERRNO, FDFLAG_APPEND, MAX_IOVS, OFLAG, RIGHT_FD_READ, RIGHT_FD_WRITE } from './wasi-abi.js'
import type { WasiMemory } from './wasi-memory.js'

/** Descriptors one interpreter may hold open. */
export const MAX_OPEN_FILES = 1024
/** Longest path a call may pass. */
const MAX_PATH_BYTES = 4096

export type Descriptor =
  | { kind: 'stdio'; fd: 0 | 1 | 2 }
  | { kind: 'dir'; node: DirNode; mount: Mount; names: string[]; preopen?: string }
  | {
      kind: 'file'
      node: FileNode
      mount: Mount
      position: number
      append: boolean
      readable: boolean
      writable: boolean
    }

export interface Resolved {
  mount: Mount
  /** The folder holding the entry; undefined when the path names the descriptor's own folder or a root. */
  parent: DirNode | undefined
  name: string
  node: TreeNode | undefined
  names: string[]
}

export class WasiFiles {
  readonly table = new Map<number, Descriptor>()
  nextFd: number

  constructor(
    readonly memory: WasiMemory,
    mounts: Mount[],
    nextFd: number,
  ) {
    this.table.set(0, { kind: 'stdio', fd: 0 })
    this.table.set(1, { kind: 'stdio', fd: 1 })
    this.table.set(2, { kind: 'stdio', fd: 2 })
    mounts.forEach((mount, i) =>
      this.table.set(3 + i, {
        kind: 'dir',
        node: mount.root,
        mount,
        names: [],
        preopen: mount.guestPath,
      }),
    )
    this.nextFd = Math.max(nextFd, 3 + mounts.length)
  }

  resolve(fd: number, pathPointer: number, pathLength: number): Resolved | number {
    const base = this.table.get(fd)
    if (base?.kind !== 'dir') return base === undefined ? ERRNO.badf : ERRNO.notdir
    if (pathLength > MAX_PATH_BYTES) return ERRNO.nametoolong
    const names = [...base.names]
    for (const part of this.memory.text(pathPointer, pathLength).split('/')) {
      if (part === '' || part === '.') continue
      if (part === '..') {
        if (names.pop() === undefined) return ERRNO.notcapable
      } else names.push(part)
    }
    let dir: DirNode = base.mount.root
    for (const name of names.slice(0, -1)) {
      const next = dir.entries.get(name)
      if (next === undefined) return ERRNO.noent
      if (next.kind !== 'dir') return ERRNO.notdir
      dir = next
    }
    const name = names.at(-1)
    if (name === undefined)
      return { mount: base.mount, parent: undefined, name: '', node: base.mount.root, names }
    return { mount: base.mount, parent: dir, name, node: dir.entries.get(name), names }
  }

  open(
    fd: number,
    path: number,
    pathLength: number,
    oflags: number,
    rightsBase: bigint,
    fdflags: number,
    fdOut: number,
  ): number {
    if (this.table.size >= MAX_OPEN_FILES) return ERRNO.mfile
    const at = this.resolve(fd, path, pathLength)
    if (typeof at === 'number') return at
    const wantsWrite = (BigInt.asUintN(64, rightsBase) & RIGHT_FD_WRITE) !== 0n
    let node = at.node
    if (node !== undefined && (oflags & OFLAG.creat) !== 0 && (oflags & OFLAG.excl) !== 0)
      return ERRNO.exist
    if (node === undefined) {
      if ((oflags & OFLAG.creat) === 0 || at.parent === undefined) return ERRNO.noent
      if (!at.mount.writable) return ERRNO.rofs
      if (!at.mount.reserve(ENTRY_COST_BYTES + at.name.length)) return ERRNO.nospc
      node = { kind: 'file', data: new Uint8Array(0), size: 0, modifiedMs: Date.now() }
      at.parent.entries.set(at.name, node)
    }
    if (node.kind === 'dir') {
      if (wantsWrite || (oflags & OFLAG.trunc) !== 0) return ERRNO.isdir
      this.memory.setU32(fdOut, this.#add({ kind: 'dir', node, mount: at.mount, names: at.names }))
      return ERRNO.success
    }
    if ((oflags & OFLAG.directory) !== 0) return ERRNO.notdir
    if ((wantsWrite || (oflags & OFLAG.trunc) !== 0) && !at.mount.writable) return ERRNO.rofs
    if ((oflags & OFLAG.trunc) !== 0 && node.size > 0) {
      at.mount.refund(node.size)
      growFile(node, 0)
      node.data = new Uint8Array(0)
      node.modifiedMs = Date.now()
    }
    const descriptor: Descriptor = {
      kind: 'file',
      node,
      mount: at.mount,
      position: 0,
      append: (fdflags & FDFLAG_APPEND) !== 0,
      readable: (BigInt.asUintN(64, rightsBase) & RIGHT_FD_READ) !== 0n || !wantsWrite,
      writable: wantsWrite,
    }
    this.memory.setU32(fdOut, this.#add(descriptor))
    return ERRNO.success
  }

  #add(descriptor: Descriptor): number {
    const fd = this.nextFd++
    this.table.set(fd, descriptor)
    return fd
  }

  /** Reads into the iovecs from `position`; returns the bytes read. */
  readFile(file: FileNode, position: number, iovs: number, count: number): number {
    let done = 0
    for (let i = 0; i < Math.min(count >>> 0, MAX_IOVS); i++) {
      const pointer = this.memory.u32(iovs + i * 8)
      const length = this.memory.u32(iovs + i * 8 + 4)
      const start = position + done
      const take = Math.max(0, Math.min(length, file.size - start))
      if (take === 0) break
      this.memory.write(pointer, file.data.subarray(start, start + take))
      done += take
    }
    return done
  }

  /** Writes the iovecs at `position` after reserving any growth; returns the bytes written or an errno. */
  writeFile(
    file: FileNode,
    mount: Mount,
    position: number,
    iovs: number,
    count: number,
  ): { written: number } | number {
    if (count >>> 0 > MAX_IOVS) return ERRNO.inval
    let length = 0
    for (let i = 0; i < count >>> 0; i++) length += this.memory.u32(iovs + i * 8 + 4)
    const end = position + length
    if (end > file.size) {
      if (!mount.reserve(end - file.size)) return ERRNO.nospc
      growFile(file, end)
    }
    let at = position
    for (let i = 0; i < count >>> 0; i++) {
      const pointer = this.memory.u32(iovs + i * 8)
      const part = this.memory.u32(iovs + i * 8 + 4)
      file.data.set(this.memory.bytes(pointer, part), at)
      at += part
    }
    file.modifiedMs = Date.now()
    mount.changed = true
    return { written: length }
  }

  resize(file: FileNode, mount: Mount, size: number): number {
    if (size > file.size) {
      if (!mount.reserve(size - file.size)) return ERRNO.nospc
    } else mount.refund(file.size - size)
    growFile(file, size)
    file.modifiedMs = Date.now()
    return ERRNO.success
  }

  remove(at: Resolved, wantDir: boolean): number {
    if (at.node === undefined) return ERRNO.noent
    if (at.parent === undefined) return ERRNO.notcapable
    if (!at.mount.writable) return ERRNO.rofs
    if (wantDir && at.node.kind !== 'dir') return ERRNO.notdir
    if (!wantDir && at.node.kind === 'dir') return ERRNO.isdir
    if (at.node.kind === 'dir' && at.node.entries.size > 0) return ERRNO.notempty
    at.parent.entries.delete(at.name)
    at.mount.refund(chargedBytes(at.name, at.node))
    return ERRNO.success
  }

  rename(from: Resolved, to: Resolved): number {
    if (from.node === undefined) return ERRNO.noent
    if (from.parent === undefined || to.parent === undefined) return ERRNO.notcapable
    if (from.mount !== to.mount) return ERRNO.xdev
    if (!from.mount.writable) return ERRNO.rofs
    // A folder never moves into itself.
    if (to.names.length > from.names.length && from.names.every((n, i) => to.names[i] === n))
      return ERRNO.inval
    const target = to.node
    if (target === from.node) return ERRNO.success
    if (target !== undefined) {
      if (target.kind === 'dir' && from.node.kind !== 'dir') return ERRNO.isdir
      if (target.kind !== 'dir' && from.node.kind === 'dir') return ERRNO.notdir
      if (target.kind === 'dir' && target.entries.size > 0) return ERRNO.notempty
    }
    const growth = to.name.length - from.name.length
    if (growth > 0 && !from.mount.reserve(growth)) return ERRNO.nospc
    if (target !== undefined) from.mount.refund(chargedBytes(to.name, target))
    from.parent.entries.delete(from.name)
    to.parent.entries.set(to.name, from.node)
    from.mount.changed = true
    return ERRNO.success
  }
}
