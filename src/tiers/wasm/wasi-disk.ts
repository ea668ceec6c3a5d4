/**
 * The byte budget of a run's WASI files (`limits.diskSpace`). @wasmer/wasi keeps its in-memory filesystem in its
 * own linear memory, which nothing else bounds: `fd_filestat_set_size(fd, 1 GiB)` grew the host by 1 GiB
 * (issue 12, finding 4). So every call that can make the filesystem larger is checked here BEFORE wasmer runs
 * it: the most it could add (a write's length plus any gap between the file's end and where it starts, a new
 * size past the old one, an allocation past the end, a new directory entry) must fit what is left, or the call
 * returns ENOSPC without running. After the call, what the file really grew by is charged. Shrinking or
 * deleting refunds nothing: the budget bounds what the run ever added, which is what bounds wasmer's memory.
 *
 * Sizes and positions are read through wasmer's own `fd_filestat_get` and `fd_tell` (wasi-disk-probe.ts).
 * A file whose size cannot be read cannot grow.
 */
import type { GuestMemory } from './guest-memory.js'
import { ERRNO, WasiProbe, type FileStat, type WasmerCall } from './wasi-disk-probe.js'

type ImportFn = (...args: never[]) => unknown
type Imports = Record<string, ImportFn>
type WasmerFn = (...args: unknown[]) => number

/** wasmer's calls the budget wraps or probes with. */
const DELEGATED = [
  'fd_write',
  'fd_pwrite',
  'fd_filestat_set_size',
  'fd_allocate',
  'path_open',
  'fd_close',
  'fd_renumber',
  'path_create_directory',
  'path_symlink',
  'path_link',
  'fd_filestat_get',
  'fd_tell',
  'path_filestat_get',
] as const

/** `path_open` oflags: create when missing. */
const O_CREAT = 1
/** Rights the budget needs to measure a file (fd_tell, fd_filestat_get), added to every open. */
const MEASURE_RIGHTS = (1n << 5n) | (1n << 21n)
/**
 * Charged per new directory entry (file, directory, link) on top of its name: an estimate, rounded up, of what
 * wasmer keeps per inode (metadata, the parent's child list). Without it, a loop creating empty files would
 * grow wasmer's memory while adding no file bytes.
 */
export const ENTRY_BYTES = 512
/** Files a run may hold open at once (each is state in wasmer's memory); past it path_open gives EMFILE. */
export const MAX_OPEN_FILES = 1024
/** iovecs a write may pass (POSIX IOV_MAX); a write with more is refused with EINVAL. */
export const MAX_IOVS = 1024

/** The first call the budget refused: what it asked for, what was used, the limit. */
export interface DiskLimitHit {
  requestedBytes: number
  usedBytes: number
  limitBytes: number
}

export class WasiDiskBudget {
  readonly #memory: GuestMemory
  readonly #limitBytes: number
  #usedBytes = 0
  /**
   * The fds this run opened that are still in wasmer's table. A set, not a count: fd_renumber onto an unused
   * fd closes nothing, so only following each fd keeps the bound (a count let open + renumber go past it).
   */
  readonly #opened = new Set<number>()
  /** Set when a call was refused for space: the run ends with the disk limit error. */
  hit: DiskLimitHit | undefined

  constructor(memory: GuestMemory, limitBytes: number) {
    this.#memory = memory
    this.#limitBytes = limitBytes
  }

  get usedBytes(): number {
    return this.#usedBytes
  }

  /**
   * Replaces wasmer's growing calls in `imports` by guarded ones. `fd_write` to stdout and stderr is the
   * caller's (it goes to the output sink); wasmer's stdio buffers are never written.
   */
  guard(imports: Imports): void {
    // wasmer's own functions, taken before they are replaced (a Map: cheaper per run than copying all 45).
    const wasmer = new Map<string, WasmerFn>()
    for (const name of DELEGATED) {
      const fn = imports[name] as WasmerFn | undefined
      if (fn !== undefined) wasmer.set(name, fn)
    }
    const call: WasmerCall = (name, ...args) => {
      const fn = wasmer.get(name)
      return fn === undefined ? ERRNO.nosys : fn(...args)
    }
    const probe = new WasiProbe(this.#memory, call)
    const stat = (fd: number) => probe.fileStat(fd)
    const tell = (fd: number) => probe.tell(fd)

    imports['fd_write'] = (fd: number, iovs: number, count: number, nwritten: number) =>
      this.#write(fd, iovs, count, undefined, stat, tell, () =>
        call('fd_write', fd, iovs, count, nwritten),
      )
    imports['fd_pwrite'] = (fd: number, iovs: number, count: number, offset: bigint, nw: number) =>
      // Stdio is a stream: a positioned write to it is ESPIPE, as on a pipe (wasmer would buffer it unread).
      fd <= 2
        ? ERRNO.spipe
        : this.#write(fd, iovs, count, BigInt.asUintN(64, offset), stat, tell, () =>
            call('fd_pwrite', fd, iovs, count, offset, nw),
          )
    imports['fd_filestat_set_size'] = (fd: number, size: bigint) =>
      this.#resize(fd, BigInt.asUintN(64, size), stat, () => call('fd_filestat_set_size', fd, size))
    imports['fd_allocate'] = (fd: number, offset: bigint, len: bigint) =>
      this.#resize(fd, BigInt.asUintN(64, offset) + BigInt.asUintN(64, len), stat, () =>
        call('fd_allocate', fd, offset, len),
      )
    imports['path_open'] = (
      ...args: [number, number, number, number, number, bigint, bigint, number, number]
    ) => this.#open(args, call, probe)
    imports['fd_close'] = (fd: number) => {
      const errno = call('fd_close', fd)
      if (errno === ERRNO.success) this.#opened.delete(fd)
      return errno
    }
    imports['fd_renumber'] = (from: number, to: number) => {
      const errno = call('fd_renumber', from, to)
      // `to` now holds what `from` held (its own file, if any, is closed) and `from` is gone.
      if (errno === ERRNO.success && from !== to) {
        const moved = this.#opened.delete(from)
        this.#opened.delete(to)
        if (moved) this.#opened.add(to)
      }
      return errno
    }
    imports['path_create_directory'] = (fd: number, path: number, len: number) =>
      this.#newEntry(len, () => call('path_create_directory', fd, path, len))
    imports['path_symlink'] = (
      old: number,
      oldLen: number,
      fd: number,
      path: number,
      len: number,
    ) => this.#newEntry(oldLen + len, () => call('path_symlink', old, oldLen, fd, path, len))
    imports['path_link'] = (...args: [number, number, number, number, number, number, number]) =>
      this.#newEntry(args[6], () => call('path_link', ...args))
  }

  /** Charges `bytes` if they fit; else records the hit and returns false. */
  #reserve(bytes: number): boolean {
    if (bytes <= this.#limitBytes - this.#usedBytes) return true
    this.hit ??= {
      requestedBytes: bytes,
      usedBytes: this.#usedBytes,
      limitBytes: this.#limitBytes,
    }
    return false
  }

  #write(
    fd: number,
    iovs: number,
    count: number,
    offset: bigint | undefined,
    stat: (fd: number) => FileStat | number,
    tell: (fd: number) => bigint | number,
    delegate: () => number,
  ): number {
    const before = stat(fd)
    if (typeof before === 'number') return before
    // wasmer would read every iovec: refuse more than are counted.
    if (count >>> 0 > MAX_IOVS) return ERRNO.inval
    const len = BigInt(iovecBytes(this.#memory, iovs, count))
    let start = before.size
    if (before.regular) {
      const position = tell(fd)
      if (typeof position === 'number') return position
      // Where the bytes land: the offset, the position, or the end (append) — the bound covers all three.
      start = offset === undefined || position > offset ? position : offset
    }
    const gap = start > before.size ? start - before.size : 0n
    if (!this.#reserve(toBytes(gap + len))) return ERRNO.nospc
    return this.#charge(fd, before, delegate, stat, Number(len))
  }

  #resize(
    fd: number,
    size: bigint,
    stat: (fd: number) => FileStat | number,
    delegate: () => number,
  ): number {
    const before = stat(fd)
    if (typeof before === 'number') return before
    const growth = size > before.size ? size - before.size : 0n
    if (!this.#reserve(toBytes(growth))) return ERRNO.nospc
    return this.#charge(fd, before, delegate, stat, 0)
  }

  // Runs the call, then charges what the file grew by (a stream's bytes, which have no size, count as written).
  #charge(
    fd: number,
    before: FileStat,
    delegate: () => number,
    stat: (fd: number) => FileStat | number,
    streamBytes: number,
  ): number {
    const errno = delegate()
    if (errno !== ERRNO.success) return errno
    if (!before.regular) {
      this.#usedBytes += streamBytes
      return errno
    }
    const after = stat(fd)
    if (typeof after !== 'number' && after.size > before.size)
      this.#usedBytes += toBytes(after.size - before.size)
    return errno
  }

  #open(
    args: [number, number, number, number, number, bigint, bigint, number, number],
    call: WasmerCall,
    probe: WasiProbe,
  ): number {
    if (this.#opened.size >= MAX_OPEN_FILES) return ERRNO.mfile
    const [dirFd, dirFlags, path, pathLen, oflags, rightsBase, ...rest] = args
    let entryBytes = 0
    // Charged unless the entry is known to exist (WasiProbe.missing).
    if ((oflags & O_CREAT) !== 0 && probe.missing(dirFd, dirFlags, path, pathLen)) {
      entryBytes = ENTRY_BYTES + Math.max(0, pathLen)
      if (!this.#reserve(entryBytes)) return ERRNO.nospc
    }
    const errno = call(
      'path_open',
      dirFd,
      dirFlags,
      path,
      pathLen,
      oflags,
      rightsBase | MEASURE_RIGHTS,
      ...rest,
    )
    if (errno !== ERRNO.success) return errno
    this.#opened.add(this.#memory.u32(args[8], 'path_open fd'))
    this.#usedBytes += entryBytes
    return errno
  }

  #newEntry(nameBytes: number, delegate: () => number): number {
    const bytes = ENTRY_BYTES + Math.max(0, nameBytes)
    if (!this.#reserve(bytes)) return ERRNO.nospc
    const errno = delegate()
    if (errno === ERRNO.success) this.#usedBytes += bytes
    return errno
  }
}

/** Bytes as a number; anything past 2^53 is far past every limit anyway. */
function toBytes(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value)
}

/** The total length of a guest's iovec array (its first MAX_IOVS entries). */
export function iovecBytes(memory: GuestMemory, iovs: number, count: number): number {
  let total = 0
  for (let i = 0; i < Math.min(count >>> 0, MAX_IOVS); i++)
    total += memory.u32(iovs + i * 8 + 4, 'iovec')
  return total
}
