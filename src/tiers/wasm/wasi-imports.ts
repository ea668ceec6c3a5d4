/**
 * WASI preview 1 for raw modules, through @wasmer/wasi over its in-memory filesystem (no host files, no
 * environment but secrets' placeholders, no sockets). The host bounds or shows what it must: stdout and stderr go to the
 * run's OutputSink (counted as written, streamed), every call that can grow the in-memory files is checked
 * against the disk budget before wasmer runs it (wasi-disk.ts: wasmer's own memory is not bounded otherwise),
 * and `proc_exit` unwinds the guest with its code.
 *
 * @wasmer/wasi reads the guest memory from the instance's `memory` export, so a WASI module imports env.memory
 * and re-exports it (the module policy requires it); the memory is still the host's bounded one.
 */
import type * as WasiModule from '@wasmer/wasi'
import { WASI_FUNCTIONS, WASI_MODULE } from './import-signatures.js'
import type { GuestMemory } from './guest-memory.js'
import { WasiExit } from './guest-outcome.js'
import type { OutputSink } from './output-sink.js'
import { MAX_IOVS, WasiDiskBudget, type DiskLimitHit } from './wasi-disk.js'
import { collectMemFs, fillMemFs, type FolderSnapshot } from './wasi-disk-files.js'

type WasiLib = typeof WasiModule
type Wasi = InstanceType<WasiLib['WASI']>
type ImportFn = (...args: never[]) => unknown

const ERRNO_SUCCESS = 0

let loading: Promise<WasiLib> | undefined

// wasmer's WASI is itself a wasm module: compile it once per worker, on the first WASI run.
function loadWasi(): Promise<WasiLib> {
  loading ??= import('@wasmer/wasi').then(async (lib) => {
    await lib.init()
    return lib
  })
  return loading
}

/** One run's WASI: its imports, plus the steps around instantiation. */
export interface WasiSession {
  imports: Record<string, ImportFn>
  /** Gives wasmer the instance (it reads the exported memory). */
  attach(instance: WebAssembly.Instance): void
  /** Frees wasmer's state of this run. */
  free(): void
  /** The first file call refused for space, if any: the run then ends with the disk limit error. */
  diskLimitHit(): DiskLimitHit | undefined
  /** The folder as the run left it (before free()), or undefined past `maxBytes` (wasi-disk-files.ts). */
  collectFolder(maxBytes: number): FolderSnapshot | undefined
}

export interface WasiSessionOptions {
  module: WebAssembly.Module
  memory: GuestMemory
  sink: OutputSink
  stdin: Uint8Array | undefined
  /** Bytes the guest may write to in-memory files during the run. */
  maxFileBytes: number
  /** The sandbox's folder, put at the guest's preopened "." before it starts. */
  folder?: FolderSnapshot | undefined
  /** The WASI environment: the sandbox's secrets' placeholders by name (never their values). */
  env?: Record<string, string> | undefined
}

export async function createWasiSession(options: WasiSessionOptions): Promise<WasiSession> {
  const lib = await loadWasi()
  // The folder is the MemFS root, preopened as "." (said here, not left to wasmer's default). wasmer-wasi
  // puts a virtual root "/" at fd 3 that holds only the preopens, so "." is fd 4: a guest that finds its
  // folder through fd_prestat_get, as wasi-libc does for open("in.txt") and open("/in.txt"), gets it with
  // every right; one that assumes fd 3 gets ENOTCAPABLE (docs/files.md).
  const wasi: Wasi = new lib.WASI({
    args: ['main.wasm'],
    env: { ...options.env },
    preopens: { '.': '/' },
  })
  if (options.stdin !== undefined) wasi.setStdinBuffer(options.stdin)
  const fs = wasi.fs
  if (options.folder !== undefined) fillMemFs(fs, options.folder)
  const provided =
    (wasi.getImports(options.module) as Record<string, Record<string, unknown>>)[WASI_MODULE] ?? {}
  const imports = Object.create(null) as Record<string, ImportFn>
  for (const name of WASI_FUNCTIONS.keys()) {
    const fn = Object.getOwnPropertyDescriptor(provided, name)?.value as unknown
    if (typeof fn === 'function') imports[name] = fn as ImportFn
  }
  const disk = new WasiDiskBudget(options.memory, options.maxFileBytes)
  disk.guard(imports)
  const writeFile = imports['fd_write'] as (...args: number[]) => number
  imports['fd_write'] = (fd: number, iovs: number, count: number, nwritten: number) =>
    fd === 1 || fd === 2
      ? writeStdio(options, fd === 1 ? 'stdout' : 'stderr', iovs, count, nwritten)
      : writeFile(fd, iovs, count, nwritten)
  imports['proc_exit'] = (code: number) => {
    throw new WasiExit(code >>> 0)
  }
  return {
    imports,
    attach: (instance) => {
      wasi.instantiate(instance)
    },
    free: () => wasi.free(),
    diskLimitHit: () => disk.hit,
    collectFolder: (maxBytes) => collectMemFs(fs, maxBytes),
  }
}

function writeStdio(
  { memory, sink }: WasiSessionOptions,
  stream: 'stdout' | 'stderr',
  iovs: number,
  count: number,
  nwritten: number,
): number {
  let written = 0
  for (let i = 0; i < Math.min(count >>> 0, MAX_IOVS); i++) {
    const ptr = memory.u32(iovs + i * 8, 'iovec')
    const len = memory.u32(iovs + i * 8 + 4, 'iovec')
    const room = Math.max(0, sink.room)
    // Never read more than the output room (+1 so the sink sees the overflow and stops the run).
    const take = Math.min(len, room + 1)
    // Decoded by the sink across writes: a character split between two writes comes out whole.
    sink.writeBytes(stream, memory.read(ptr, take, room + 1, 'fd_write'))
    written += len
  }
  memory.setU32(nwritten, written, 'fd_write nwritten')
  return ERRNO_SUCCESS
}
