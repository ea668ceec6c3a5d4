/** Messages between the wasm tier (host thread) and its guest and compiler workers. */
import type { ExecStatus, ResultError } from '../../types.js'
import type { FuncType } from './module-inspect.js'
import type { FolderSnapshot } from './wasi-disk-files.js'

/** What the worker calls once the module is instantiated. */
export type RunEntry =
  /** AssemblyScript `main(input: string): string` through the generated `__sandtier_main` export. */
  | { kind: 'main' }
  /** An export by name with numeric arguments (already converted: i64 as bigint). */
  | { kind: 'fn'; name: string; args: (number | bigint)[] }
  /** WASI command: `_start`, with proc_exit giving the exit code. */
  | { kind: 'wasi-start' }
  /** Instantiation only: top-level code runs in the start function. */
  | { kind: 'instantiate' }

/** Host → guest worker: run one module once. */
export interface RunMessage {
  type: 'run'
  module: WebAssembly.Module
  memory: { initial: number; maximum: number } | undefined
  usesWasi: boolean
  hostImports: { name: string; type: FuncType }[]
  entry: RunEntry
  /** Result type of `fn`, to convert the returned value. */
  inputJson: string
  stdin: Uint8Array | undefined
  maxOutputBytes: number
  /** Bytes the guest may write to files of the WASI in-memory filesystem. */
  maxFileBytes: number
  /** WASI: the sandbox's folder, and the most bytes it may come back with (its diskSpace). */
  folder?: { snapshot: FolderSnapshot; maxBytes: number } | undefined
  /** WASI environment: the sandbox's secrets' placeholders by name (never their values). */
  env?: Record<string, string> | undefined
  /** ms; a host call waits at most this long for its reply. */
  timeoutMs: number
  /** Unique per run: its output events carry it, so output of any other run is told apart. */
  token: number
  /** Someone listens to the run's output: it goes out sooner, and all of it before the reply. */
  stream?: true
}

/** Host → guest worker, once per worker: where synchronous host calls get their replies. */
export interface BridgeMessage {
  type: 'bridge'
  port: MessagePort
  signal: SharedArrayBuffer
}

/** A piece of output, in the order the guest wrote it. */
export interface OutputPiece {
  stream: 'stdout' | 'stderr'
  text: string
}

/** Guest worker → host (event): output pieces, sent while the guest runs and before the run's reply. */
export interface OutputEvent {
  type: 'output'
  /** The run that wrote them (RunMessage.token). */
  token: number
  pieces: OutputPiece[]
}

/** Guest worker → host (event): the guest called a host function or fetch and is blocked until the reply. */
export interface HostCallEvent {
  type: 'hostCall'
  callId: number
  /** `fetch`, or `host:<name>` for a hostFunction. */
  target: string
  /** JSON-safe arguments (copied by structured clone). */
  args: unknown[]
}

/** Host → guest worker (over the bridge port): the reply to a HostCallEvent. */
export type HostCallReply =
  | { callId: number; ok: true; value: unknown }
  | {
      callId: number
      ok: false
      error: { name: string; message: string; code?: string | undefined }
    }

/** Guest worker → host: the reply to a RunMessage. */
export interface RunReply {
  status: ExecStatus
  /** JSON-safe value. */
  value?: unknown
  stdout: string
  stderr: string
  truncated: boolean
  exitCode: number
  error?: ResultError
  cpuMs: number
  memoryPeakBytes: number
  hostCalls: number
  /** WASI: the folder as the run left it; absent when it did not fit its bound (the host keeps the old). */
  folder?: FolderSnapshot
}

/** Host → compiler worker. */
export interface CompileMessage {
  type: 'compile'
  /** Virtual files by path: the user's entry, the guest library. */
  files: Record<string, string>
  entry: string
  /** asc command-line arguments (from asconfig.json's release target). */
  argv: string[]
}

/** A compiler diagnostic, positions 1-based. */
export interface Diagnostic {
  file: string
  line: number
  column: number
  message: string
  code: number
  severity: 'error' | 'warning' | 'info'
}

/** Compiler worker → host. */
export interface CompileReply {
  binary: Uint8Array | undefined
  diagnostics: Diagnostic[]
  compileMs: number
}
