/** Messages between the Python tier (host thread) and its guest workers. */
import type { ExecStatus, ResultError } from '../../types.js'
import type { FolderSnapshot } from '../wasm/wasi-disk-files.js'

/** The ready memory image every sandbox of the tier starts from (shared by all its workers, read-only). */
export interface ImageShare {
  module: WebAssembly.Module
  /** The standard library zip, served read-only at /usr/local/lib. */
  zip: SharedArrayBuffer
  /** The linear memory after sandtier_init and the prelude. */
  image: SharedArrayBuffer
  /** Pages where the image differs from a freshly instantiated memory: what a restore copies. */
  restorePages: number[]
  /** The first descriptor number after the image's (descriptors are never reused). */
  nextFd: number
}

/** Host → worker, once: build the image. */
export interface ImageMessage {
  type: 'image'
  module: WebAssembly.Module
  zip: SharedArrayBuffer
}

/** Host → worker, once per worker: the image to restore sandboxes from. */
export interface AdoptMessage extends ImageShare {
  type: 'adopt'
}

/**
 * A sandbox's interpreter between runs: the pages that differ from the image (concatenated, with their
 * indices), the memory's size and the next descriptor number.
 */
export interface InterpreterState {
  pageCount: number
  indices: Uint32Array
  pages: Uint8Array
  nextFd: number
}

/** Host → worker: one request on a sandbox's interpreter. */
export interface RunMessage {
  type: 'run'
  sandboxId: number
  /** Bumped by the host whenever the interpreter's state changes elsewhere: a cached one of another generation is stale. */
  generation: number
  /** Where to restore from when the worker holds no live interpreter of this generation; null: the image. */
  state: InterpreterState | null | undefined
  code: string
  /** `{ input?, maxValueBytes }` as JSON. */
  requestJson: string
  stdin: Uint8Array
  maxOutputBytes: number
  memoryLimitPages: number
  diskSpaceBytes: number
  folder: FolderSnapshot
  /** Keep the interpreter for a next run and send its state back. */
  keep: boolean
  token: number
  stream?: true
}

/** Worker → host: the reply to a RunMessage. */
export type RunReply =
  | { needState: true }
  | {
      needState?: undefined
      status: ExecStatus
      value?: unknown
      stdout: string
      stderr: string
      truncated: boolean
      exitCode: number
      error?: ResultError
      cpuMs: number
      memoryPeakBytes: number
      /** The interpreter was discarded (a limit, a crash, an unwound guest): its globals are gone. */
      reset: boolean
      /** The interpreter after the run, when kept. */
      state?: InterpreterState
      /** The folder as the run left it, when the run changed it and it fits diskSpace. */
      folder?: FolderSnapshot
    }
