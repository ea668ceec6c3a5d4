/**
 * The Python tier's only import set: WASI preview 1, implemented here over in-memory trees (wasi-files.ts)
 * and the run's output sink. Nothing reaches the host: no host files, no environment, no sockets (sock_*
 * calls are ENOTSUP), no processes. stdout and stderr are counted as written and bounded before a byte is
 * copied out of the guest (the sink throws at maxOutputBytes, which unwinds the guest). `proc_exit` unwinds
 * too. A bad guest pointer is EFAULT, never a host exception.
 */
import { webcrypto } from 'node:crypto'
import type { OutputSink } from '../wasm/output-sink.js'
import { ERRNO, MAX_IOVS, WasiFiles } from './wasi-files.js'
import { GuestPointerFault, type WasiMemory } from './wasi-memory.js'
import type { Mount } from './wasi-tree.js'

type ImportFn = (...args: never[]) => number | void

/** Thrown by `proc_exit` (CPython's abort() and fatal errors): the instance cannot go on. */
export class PythonExit extends Error {
  override name = 'PythonExit'
  constructor(readonly code: number) {
    super(`the interpreter exited with ${code}`)
  }
}

/** What one run gives the imports: where output goes, what stdin holds. */
export interface WasiRun {
  sink: OutputSink
  stdin: Uint8Array
  stdinPosition: number
}

const CLOCK_REALTIME = 0
const EVENTTYPE_CLOCK = 0
const SUBSCRIPTION_BYTES = 48
const EVENT_BYTES = 32
const SUBCLOCK_ABSTIME = 1
/** A sleep is waited in slices, so a long one still ends when the worker is terminated (it always is). */
const SLEEP_SLICE_MS = 1000
const sleeper = new Int32Array(new SharedArrayBuffer(4))

export class PythonWasi {
  readonly files: WasiFiles
  run: WasiRun | undefined

  constructor(
    readonly memory: WasiMemory,
    mounts: Mount[],
    nextFd: number,
  ) {
    this.files = new WasiFiles(memory, mounts, nextFd)
  }

  /** The `wasi_snapshot_preview1` namespace, each call guarded against bad pointers. */
  imports(): Record<string, ImportFn> {
    const calls = this.#calls()
    const guarded = Object.create(null) as Record<string, ImportFn>
    for (const [name, fn] of Object.entries(calls))
      guarded[name] = (...args: never[]) => {
        try {
          return fn(...args)
        } catch (error) {
          if (error instanceof GuestPointerFault || error instanceof RangeError) return ERRNO.fault
          throw error
        }
      }
    return guarded
  }

  #calls(): Record<string, ImportFn> {
    const memory = this.memory
    const files = this.files
    const ok = (): number => ERRNO.success
    const file = (fd: number) => {
      const d = files.table.get(fd)
      return d?.kind === 'file' ? d : undefined
    }
    return {
      environ_sizes_get: (count: number, size: number) => {
        memory.setU32(count, 0)
        memory.setU32(size, 0)
        return ERRNO.success
      },
      environ_get: ok,
      clock_res_get: (_id: number, pointer: number) => {
        memory.setU64(pointer, 1000n)
        return ERRNO.success
      },
      clock_time_get: (id: number, _precision: bigint, pointer: number) => {
        memory.setU64(
          pointer,
          id === CLOCK_REALTIME ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint(),
        )
        return ERRNO.success
      },
      random_get: (pointer: number, length: number) => {
        const target = memory.bytes(pointer, length)
        for (let at = 0; at < length; at += 65536)
          webcrypto.getRandomValues(target.subarray(at, Math.min(length, at + 65536)))
        return ERRNO.success
      },
      sched_yield: ok,
      proc_exit: (code: number) => {
        throw new PythonExit(code >>> 0)
      },
      poll_oneoff: (input: number, output: number, count: number, eventsOut: number) =>
        this.#poll(input, output, count, eventsOut),
      sock_accept: () => ERRNO.notsup,
      sock_recv: () => ERRNO.notsup,
      sock_send: () => ERRNO.notsup,
      sock_shutdown: () => ERRNO.notsup,
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
        files.writeFdstat(d, pointer)
        return ERRNO.success
      },
      fd_filestat_get: (fd: number, pointer: number) => {
        const d = files.table.get(fd)
        if (d === undefined) return ERRNO.badf
        files.writeStat(d.kind === 'stdio' ? 'stdio' : d.node, pointer)
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
          memory.setU32(nread, this.#readStdin(iovs, count))
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
        if (fd === 1 || fd === 2) return this.#writeStdio(fd, iovs, count, nwritten)
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
        memory.setU32(used, files.readdir(d.node, buffer, length, cookie))
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
      path_filestat_get: (
        fd: number,
        _flags: number,
        path: number,
        length: number,
        out: number,
      ) => {
        const at = files.resolve(fd, path, length)
        if (typeof at === 'number') return at
        if (at.node === undefined) return ERRNO.noent
        files.writeStat(at.node, out)
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

  #readStdin(iovs: number, count: number): number {
    const run = this.run
    if (run === undefined) return 0
    let done = 0
    for (let i = 0; i < Math.min(count >>> 0, MAX_IOVS); i++) {
      const pointer = this.memory.u32(iovs + i * 8)
      const length = this.memory.u32(iovs + i * 8 + 4)
      const take = Math.min(length, run.stdin.byteLength - run.stdinPosition)
      if (take <= 0) break
      this.memory.write(pointer, run.stdin.subarray(run.stdinPosition, run.stdinPosition + take))
      run.stdinPosition += take
      done += take
    }
    return done
  }

  #writeStdio(fd: 1 | 2, iovs: number, count: number, nwritten: number): number {
    const sink = this.run?.sink
    let written = 0
    for (let i = 0; i < Math.min(count >>> 0, MAX_IOVS); i++) {
      const pointer = this.memory.u32(iovs + i * 8)
      const length = this.memory.u32(iovs + i * 8 + 4)
      if (sink !== undefined) {
        // Never copy more than the room left (+1, so the sink sees the overflow and stops the run).
        const take = Math.min(length, Math.max(0, sink.room) + 1)
        sink.writeBytes(fd === 1 ? 'stdout' : 'stderr', this.memory.bytes(pointer, take).slice())
      }
      written += length
    }
    this.memory.setU32(nwritten, written)
    return ERRNO.success
  }

  // time.sleep() is a clock subscription: the worker blocks (its deadline still ends it); fd
  // subscriptions are reported ready at once (in-memory files never block).
  #poll(input: number, output: number, count: number, eventsOut: number): number {
    const memory = this.memory
    let sleepNs = 0n
    let events = 0
    for (let i = 0; i < count; i++) {
      const sub = input + i * SUBSCRIPTION_BYTES
      const tag = memory.u8(sub + 8)
      if (tag === EVENTTYPE_CLOCK) {
        const clockId = memory.u32(sub + 16)
        let timeout = memory.u64(sub + 24)
        if ((memory.u16(sub + 40) & SUBCLOCK_ABSTIME) !== 0) {
          const now =
            clockId === CLOCK_REALTIME ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint()
          timeout = timeout > now ? timeout - now : 0n
        }
        if (timeout > sleepNs) sleepNs = timeout
      }
      const event = output + events * EVENT_BYTES
      memory.setU64(event, memory.u64(sub))
      memory.setU16(event + 8, 0)
      memory.setU8(event + 10, tag)
      memory.setU64(event + 16, 0n)
      memory.setU16(event + 24, 0)
      events++
    }
    let leftMs = Number(sleepNs / 1_000_000n)
    while (leftMs > 0) {
      const slice = Math.min(leftMs, SLEEP_SLICE_MS)
      Atomics.wait(sleeper, 0, 0, slice)
      leftMs -= slice
    }
    memory.setU32(eventsOut, events)
    return ERRNO.success
  }
}
