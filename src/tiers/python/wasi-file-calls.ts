/**
 * The file descriptor and path calls of the Python tier's WASI (fd_*, path_*), over the descriptor table of
 * wasi-files.ts. stdin, stdout and stderr are the run's (the caller's `stdio`); every other descriptor is a
 * file or folder of a mount. No links at all: nothing in a mount can point out of it.
 */
import { ERRNO, writeDirents, writeFdstat, writeStat } from './wasi-abi.js'
import type { WasiFiles } from './wasi-files.js'
import type { ImportFn } from './wasi-imports.js'

/** The run's standard streams, which the Python side owns (stdin's position, the output sink). */
export interface StdioCalls {
  readStdin(iovs: number, count: number): number
  writeStdio(fd: 1 | 2, iovs: number, count: number, nwritten: number): number
}

export function fileCalls(files: WasiFiles, stdio: StdioCalls): Record<string, ImportFn> {
  const memory = files.memory
  const ok = (): number => ERRNO.success
  const file = (fd: number) => {
    const d = files.table.get(fd)
    return d?.kind === 'file' ? d : undefined
  }
  return {
    fd_advise: ok,
    fd_datasync: ok,
    fd_sync: ok,
    fd_fdstat_set_flags: (fd: number, flags: number) => {
      const f = file(fd)
      if (f) f.append = (flags & 1) !== 0
      return files.table.has(fd) ? ERRNO.success : ERRNO.badf
    },
    fd_close: (fd: number) => (files.table.delete(fd) ? ERRNO.success : ERRNO.badf),
    fd_fdstat_get: (fd: number, pointer: number) => {
      const d = files.table.get(fd)
      if (d === undefined) return ERRNO.badf
      writeFdstat(memory, d.kind, d.kind === 'file' && d.append, pointer)
      return ERRNO.success
    },
    fd_filestat_get: (fd: number, pointer: number) => {
      const d = files.table.get(fd)
      if (d === undefined) return ERRNO.badf
      writeStat(memory, d.kind === 'stdio' ? 'stdio' : d.node, pointer)
      return ERRNO.success
    },
    fd_filestat_set_size: (fd: number, size: bigint) => {
      const f = file(fd)
      if (!f) return ERRNO.badf
      if (!f.writable) return ERRNO.badf
      if (size > BigInt(f.mount.limitBytes)) {
        f.mount.refusedBytes ??= Number(size)
        return ERRNO.nospc
      }
      return files.resize(f.node, f.mount, Number(size))
    },
    fd_filestat_set_times: (fd: number) => (files.table.has(fd) ? ERRNO.success : ERRNO.badf),
    fd_prestat_get: (fd: number, pointer: number) => {
      const d = files.table.get(fd)
      if (d?.kind !== 'dir' || d.preopen === undefined) return ERRNO.badf
      memory.setU8(pointer, 0)
      memory.setU32(pointer + 4, Buffer.byteLength(d.preopen))
      return ERRNO.success
    },
    fd_prestat_dir_name: (fd: number, pointer: number, length: number) => {
      const d = files.table.get(fd)
      if (d?.kind !== 'dir' || d.preopen === undefined) return ERRNO.badf
      memory.write(pointer, Buffer.from(d.preopen).subarray(0, length))
      return ERRNO.success
    },
    fd_read: (fd: number, iovs: number, count: number, nread: number) => {
      if (fd === 0) {
        memory.setU32(nread, stdio.readStdin(iovs, count))
        return ERRNO.success
      }
      const f = file(fd)
      if (!f) return files.table.get(fd)?.kind === 'dir' ? ERRNO.isdir : ERRNO.badf
      const done = files.readFile(f.node, f.position, iovs, count)
      f.position += done
      memory.setU32(nread, done)
      return ERRNO.success
    },
    fd_pread: (fd: number, iovs: number, count: number, offset: bigint, nread: number) => {
      const f = file(fd)
      if (!f) return fd <= 2 ? ERRNO.spipe : ERRNO.badf
      memory.setU32(nread, files.readFile(f.node, Number(offset), iovs, count))
      return ERRNO.success
    },
    fd_write: (fd: number, iovs: number, count: number, nwritten: number) => {
      if (fd === 1 || fd === 2) return stdio.writeStdio(fd, iovs, count, nwritten)
      const f = file(fd)
      if (!f?.writable) return ERRNO.badf
      const position = f.append ? f.node.size : f.position
      const done = files.writeFile(f.node, f.mount, position, iovs, count)
      if (typeof done === 'number') return done
      f.position = position + done.written
      memory.setU32(nwritten, done.written)
      return ERRNO.success
    },
    fd_pwrite: (fd: number, iovs: number, count: number, offset: bigint, nwritten: number) => {
      const f = file(fd)
      if (!f?.writable) return fd <= 2 ? ERRNO.spipe : ERRNO.badf
      if (offset > BigInt(f.mount.limitBytes)) return ERRNO.nospc
      const done = files.writeFile(f.node, f.mount, Number(offset), iovs, count)
      if (typeof done === 'number') return done
      memory.setU32(nwritten, done.written)
      return ERRNO.success
    },
    fd_seek: (fd: number, offset: bigint, whence: number, pointer: number) => {
      const f = file(fd)
      if (!f) return fd <= 2 ? ERRNO.spipe : ERRNO.badf
      const base = whence === 0 ? 0 : whence === 1 ? f.position : whence === 2 ? f.node.size : -1
      const target = BigInt(base) + offset
      if (base < 0 || target < 0n || target > BigInt(Number.MAX_SAFE_INTEGER)) return ERRNO.inval
      f.position = Number(target)
      memory.setU64(pointer, target)
      return ERRNO.success
    },
    fd_tell: (fd: number, pointer: number) => {
      const f = file(fd)
      if (!f) return fd <= 2 ? ERRNO.spipe : ERRNO.badf
      memory.setU64(pointer, BigInt(f.position))
      return ERRNO.success
    },
    fd_readdir: (fd: number, buffer: number, length: number, cookie: bigint, used: number) => {
      const d = files.table.get(fd)
      if (d?.kind !== 'dir') return ERRNO.notdir
      memory.setU32(used, writeDirents(memory, d.node, buffer, length, cookie))
      return ERRNO.success
    },
    path_open: (
      fd: number,
      _dirflags: number,
      path: number,
      length: number,
      oflags: number,
      rights: bigint,
      _inheriting: bigint,
      fdflags: number,
      fdOut: number,
    ) => files.open(fd, path, length, oflags, rights, fdflags, fdOut),
    path_filestat_get: (fd: number, _flags: number, path: number, length: number, out: number) => {
      const at = files.resolve(fd, path, length)
      if (typeof at === 'number') return at
      if (at.node === undefined) return ERRNO.noent
      writeStat(memory, at.node, out)
      return ERRNO.success
    },
    path_filestat_set_times: (fd: number, _flags: number, path: number, length: number) => {
      const at = files.resolve(fd, path, length)
      if (typeof at === 'number') return at
      return at.node === undefined ? ERRNO.noent : ERRNO.success
    },
    path_create_directory: (fd: number, path: number, length: number) => {
      const at = files.resolve(fd, path, length)
      if (typeof at === 'number') return at
      if (at.node !== undefined || at.parent === undefined) return ERRNO.exist
      if (!at.mount.writable) return ERRNO.rofs
      if (!at.mount.reserve(512 + at.name.length)) return ERRNO.nospc
      at.parent.entries.set(at.name, { kind: 'dir', entries: new Map(), modifiedMs: Date.now() })
      return ERRNO.success
    },
    path_unlink_file: (fd: number, path: number, length: number) => {
      const at = files.resolve(fd, path, length)
      return typeof at === 'number' ? at : files.remove(at, false)
    },
    path_remove_directory: (fd: number, path: number, length: number) => {
      const at = files.resolve(fd, path, length)
      return typeof at === 'number' ? at : files.remove(at, true)
    },
    path_rename: (
      fd: number,
      path: number,
      length: number,
      fd2: number,
      path2: number,
      length2: number,
    ) => {
      const from = files.resolve(fd, path, length)
      if (typeof from === 'number') return from
      const to = files.resolve(fd2, path2, length2)
      return typeof to === 'number' ? to : files.rename(from, to)
    },
    // No links at all: nothing in a mount can point out of it.
    path_readlink: () => ERRNO.inval,
    path_symlink: () => ERRNO.perm,
    path_link: () => ERRNO.perm,
  }
}
