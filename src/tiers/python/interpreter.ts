/**
 * One live CPython interpreter in a guest worker: its own bounded WebAssembly.Memory, its instance and its
 * WASI (wasi-imports.ts). Made either by booting (instantiate, `_initialize`, `sandtier_init`, the prelude:
 * what the image is taken from) or by restoring: a fresh memory (zeroed by the engine, so nothing of any
 * earlier tenant is in it) gets the image's differing pages, then the sandbox's own pages on top.
 */
import { PYTHON_STDLIB_GUEST_DIR, PYTHON_STDLIB_ZIP_FILE } from './artifacts.js'
import { CHANNEL_GUEST_DIR, WORK_GUEST_DIR } from './prelude.js'
import type { ImageShare, InterpreterState } from './protocol.js'
import { PythonWasi } from './wasi-imports.js'
import { WasiMemory } from './wasi-memory.js'
import { Mount } from './wasi-tree.js'

export const PAGE_BYTES = 64 * 1024
/** The reactor's own minimum memory (CPython's WASI link flags: 20 MiB, 8 of them stack). */
export const MIN_PAGES = 320
/** The memory an image is built in may grow to this (no guest code runs there). */
const BOOT_MAX_PAGES = 4096

interface ReactorExports {
  _initialize(): void
  sandtier_init(): number
  sandtier_alloc(sizeBytes: number): number
  sandtier_free(pointer: number): void
  sandtier_run(pointer: number, lengthBytes: number): number
}

export class Interpreter {
  readonly memory: WebAssembly.Memory
  readonly wasi: PythonWasi
  readonly work: Mount
  readonly channel: Mount
  readonly #exports: ReactorExports

  private constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    zip: Uint8Array,
    nextFd: number,
  ) {
    this.memory = memory
    const lib = new Mount(PYTHON_STDLIB_GUEST_DIR, false, 0)
    lib.put(PYTHON_STDLIB_ZIP_FILE, zip, 0, false)
    this.work = new Mount(WORK_GUEST_DIR, true, 0)
    this.channel = new Mount(CHANNEL_GUEST_DIR, true, 0)
    // The order is the image's: libc's table of preopened folders is in the image.
    this.wasi = new PythonWasi(new WasiMemory(memory), [lib, this.work, this.channel], nextFd)
    const instance = new WebAssembly.Instance(module, {
      env: { memory },
      wasi_snapshot_preview1: this.wasi.imports(),
    })
    this.#exports = instance.exports as unknown as ReactorExports
  }

  /** Boots an interpreter from nothing and returns it with the pages it changed from a fresh instance. */
  static boot(
    module: WebAssembly.Module,
    zip: Uint8Array,
  ): { interpreter: Interpreter; fresh: Uint8Array } {
    const memory = new WebAssembly.Memory({ initial: MIN_PAGES, maximum: BOOT_MAX_PAGES })
    const interpreter = new Interpreter(module, memory, zip, 0)
    const fresh = new Uint8Array(memory.buffer).slice()
    interpreter.#exports._initialize()
    return { interpreter, fresh }
  }

  /** An interpreter as the image left it, plus a sandbox's own pages when it has a state. */
  static restore(
    share: ImageShare,
    state: InterpreterState | null,
    maximumPages: number,
  ): Interpreter {
    const image = new Uint8Array(share.image)
    const imagePages = image.byteLength / PAGE_BYTES
    const pages = Math.max(imagePages, state?.pageCount ?? 0)
    if (pages > maximumPages) throw new RangeError('the interpreter does not fit the memory limit')
    const memory = new WebAssembly.Memory({ initial: pages, maximum: maximumPages })
    const interpreter = new Interpreter(
      share.module,
      memory,
      new Uint8Array(share.zip),
      state?.nextFd ?? share.nextFd,
    )
    // After instantiation (which wrote the data segments): only the pages the image changed.
    const target = new Uint8Array(memory.buffer)
    for (const page of share.restorePages)
      target.set(image.subarray(page * PAGE_BYTES, (page + 1) * PAGE_BYTES), page * PAGE_BYTES)
    if (state !== null)
      state.indices.forEach((page, i) =>
        target.set(state.pages.subarray(i * PAGE_BYTES, (i + 1) * PAGE_BYTES), page * PAGE_BYTES),
      )
    return interpreter
  }

  init(): number {
    return this.#exports.sandtier_init()
  }

  /** Runs Python source in `__main__`; the reactor's return code. */
  run(source: string): number {
    const bytes = Buffer.from(source, 'utf8')
    const pointer = this.#exports.sandtier_alloc(Math.max(1, bytes.byteLength))
    if (pointer === 0) return -1
    new Uint8Array(this.memory.buffer, pointer, bytes.byteLength).set(bytes)
    try {
      return this.#exports.sandtier_run(pointer, bytes.byteLength)
    } finally {
      this.#exports.sandtier_free(pointer)
    }
  }

  /** The pages that differ from the image (a zero page past the image's end is no difference). */
  state(image: Uint8Array): InterpreterState {
    const memory = Buffer.from(this.memory.buffer)
    const imageBuffer = Buffer.from(image.buffer, image.byteOffset, image.byteLength)
    const zero = Buffer.alloc(PAGE_BYTES)
    const pageCount = memory.byteLength / PAGE_BYTES
    const indices: number[] = []
    for (let page = 0; page < pageCount; page++) {
      const start = page * PAGE_BYTES
      const mine = memory.subarray(start, start + PAGE_BYTES)
      const base =
        start < imageBuffer.byteLength ? imageBuffer.subarray(start, start + PAGE_BYTES) : zero
      if (!mine.equals(base)) indices.push(page)
    }
    const pages = new Uint8Array(indices.length * PAGE_BYTES)
    indices.forEach((page, i) =>
      pages.set(memory.subarray(page * PAGE_BYTES, (page + 1) * PAGE_BYTES), i * PAGE_BYTES),
    )
    return { pageCount, indices: Uint32Array.from(indices), pages, nextFd: this.wasi.files.nextFd }
  }
}
