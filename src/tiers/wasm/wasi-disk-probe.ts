/**
 * What the disk budget (wasi-disk.ts) asks wasmer before letting a call through: a file's type and size, its
 * position, whether a path exists. Read through wasmer's own `fd_filestat_get`, `fd_tell` and
 * `path_filestat_get`, which write their answer into a 64-byte scratch area at the start of the guest's memory;
 * the guest's bytes there are saved and restored around the call (the guest is blocked in the import, so it
 * never sees them change).
 */
import type { GuestMemory } from './guest-memory.js'

/** WASI preview 1 errno values (wasi_snapshot_preview1 `errno`). */
export const ERRNO = {
  success: 0,
  badf: 8,
  inval: 28,
  mfile: 33,
  nospc: 51,
  nosys: 52,
  spipe: 70,
} as const

/** Calls one of wasmer's own WASI functions by name; ENOSYS when wasmer has none of that name. */
export type WasmerCall = (name: string, ...args: unknown[]) => number

export interface FileStat {
  regular: boolean
  size: bigint
}

const FILETYPE_REGULAR = 4
const SCRATCH = 0
const STAT_BYTES = 64

export class WasiProbe {
  readonly #memory: GuestMemory
  readonly #call: WasmerCall

  constructor(memory: GuestMemory, call: WasmerCall) {
    this.#memory = memory
    this.#call = call
  }

  /** True unless the entry is known to exist: a failed probe never lets a creation through for free. */
  missing(dirFd: number, dirFlags: number, path: number, pathLen: number): boolean {
    const found = this.#probe(
      () => this.#call('path_filestat_get', dirFd, dirFlags, path, pathLen, SCRATCH),
      () => true,
    )
    return found !== true
  }

  /** The file's type and size, or the errno of the failed probe. */
  fileStat(fd: number): FileStat | number {
    return this.#probe(
      () => this.#call('fd_filestat_get', fd, SCRATCH),
      (bytes) => {
        const view = new DataView(bytes.buffer, bytes.byteOffset, STAT_BYTES)
        return { regular: bytes[16] === FILETYPE_REGULAR, size: view.getBigUint64(32, true) }
      },
    )
  }

  /** The fd's position, or the errno of the failed probe. */
  tell(fd: number): bigint | number {
    return this.#probe(
      () => this.#call('fd_tell', fd, SCRATCH),
      (bytes) => new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true),
    )
  }

  // Runs a wasmer call that writes its answer at SCRATCH, reads it, and puts the guest's bytes back. Returns
  // the call's errno when it failed (EBADF when the memory is too small to probe).
  #probe<T>(run: () => number, read: (bytes: Uint8Array) => T): T | number {
    if (this.#memory.byteLength < STAT_BYTES) return ERRNO.badf
    const saved = this.#memory.read(SCRATCH, STAT_BYTES, STAT_BYTES, 'wasi probe')
    try {
      const errno = run()
      if (errno !== ERRNO.success) return errno
      return read(this.#memory.read(SCRATCH, STAT_BYTES, STAT_BYTES, 'wasi probe'))
    } finally {
      this.#memory.write(SCRATCH, saved, 'wasi probe')
    }
  }
}
