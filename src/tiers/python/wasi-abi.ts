/**
 * WASI preview 1 as the guest sees it: the numbers (errno, file types, flags, rights) and the structs the
 * file calls write into guest memory (filestat, fdstat, dirent). Every write goes through WasiMemory, which
 * checks the guest's pointer against its memory first.
 */
import type { DirNode, TreeNode } from './wasi-tree.js'
import type { WasiMemory } from './wasi-memory.js'

/** WASI errno values the calls return. */
export const ERRNO = {
  success: 0,
  badf: 8,
  exist: 20,
  fault: 21,
  inval: 28,
  isdir: 31,
  mfile: 33,
  nametoolong: 37,
  noent: 44,
  nospc: 51,
  notdir: 54,
  notempty: 55,
  notsup: 58,
  perm: 63,
  spipe: 70,
  xdev: 75,
  notcapable: 76,
  rofs: 69,
} as const

const FILETYPE = { char: 2, dir: 3, file: 4 } as const
export const OFLAG = { creat: 1, directory: 2, excl: 4, trunc: 8 } as const
export const FDFLAG_APPEND = 1
export const RIGHT_FD_READ = 1n << 1n
export const RIGHT_FD_WRITE = 1n << 6n
const ALL_RIGHTS = (1n << 30n) - 1n
/** iovecs one read or write may pass (POSIX IOV_MAX). */
export const MAX_IOVS = 1024
const FILESTAT_BYTES = 64
const DIRENT_HEADER_BYTES = 24

/** A filestat: the node's type, inode, size and times (stdio is a character device with nothing else). */
export function writeStat(memory: WasiMemory, node: TreeNode | 'stdio', pointer: number): void {
  for (let offset = 0; offset < FILESTAT_BYTES; offset += 8) memory.setU64(pointer + offset, 0n)
  if (node === 'stdio') {
    memory.setU8(pointer + 16, FILETYPE.char)
    return
  }
  const ns = BigInt(Math.trunc(node.modifiedMs)) * 1_000_000n
  memory.setU64(pointer + 8, BigInt(inodeOf(node)))
  memory.setU8(pointer + 16, node.kind === 'dir' ? FILETYPE.dir : FILETYPE.file)
  memory.setU64(pointer + 24, 1n)
  memory.setU64(pointer + 32, node.kind === 'file' ? BigInt(node.size) : 0n)
  memory.setU64(pointer + 40, ns)
  memory.setU64(pointer + 48, ns)
  memory.setU64(pointer + 56, ns)
}

/** An fdstat: the descriptor's type and append flag; rights are all granted (the mounts are the bound). */
export function writeFdstat(
  memory: WasiMemory,
  kind: 'stdio' | 'dir' | 'file',
  append: boolean,
  pointer: number,
): void {
  memory.setU8(
    pointer,
    kind === 'dir' ? FILETYPE.dir : kind === 'file' ? FILETYPE.file : FILETYPE.char,
  )
  memory.setU16(pointer + 2, append ? FDFLAG_APPEND : 0)
  memory.setU64(pointer + 8, ALL_RIGHTS)
  memory.setU64(pointer + 16, ALL_RIGHTS)
}

/** fd_readdir: '.', '..', then the entries, from `cookie`; a full buffer means "more". Returns bytes used. */
export function writeDirents(
  memory: WasiMemory,
  dir: DirNode,
  buffer: number,
  bufferLength: number,
  cookie: bigint,
): number {
  const names: [string, number][] = [
    ['.', FILETYPE.dir],
    ['..', FILETYPE.dir],
  ]
  for (const [name, node] of dir.entries)
    names.push([name, node.kind === 'dir' ? FILETYPE.dir : FILETYPE.file])
  let used = 0
  for (let i = Number(cookie); i < names.length && used < bufferLength; i++) {
    const [name, type] = names[i] as [string, number]
    const nameBytes = Buffer.from(name)
    const entry = new Uint8Array(DIRENT_HEADER_BYTES + nameBytes.byteLength)
    const view = new DataView(entry.buffer)
    view.setBigUint64(0, BigInt(i + 1), true)
    view.setBigUint64(8, BigInt(i + 1), true)
    view.setUint32(16, nameBytes.byteLength, true)
    view.setUint8(20, type)
    entry.set(nameBytes, DIRENT_HEADER_BYTES)
    const take = Math.min(entry.byteLength, bufferLength - used)
    memory.write(buffer + used, entry.subarray(0, take))
    used += take
  }
  return used
}

const inodes = new WeakMap<TreeNode, number>()
let nextInode = 1

function inodeOf(node: TreeNode): number {
  let inode = inodes.get(node)
  if (inode === undefined) {
    inode = nextInode++
    inodes.set(node, inode)
  }
  return inode
}
