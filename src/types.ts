/** Shared public types: requests, results, usage. Units are bytes and milliseconds. */
import type { ErrorCode } from './errors.js'

/** The isolation tiers, lightest first. */
export type TierId = 'quickjs' | 'wasm' | 'pywasm' | 'docker' | 'gvisor'

/** What `type` accepts: a tier, or 'auto' to let the router choose. */
export type SandboxType = TierId | 'auto'

/** Every language some tier runs; each tier declares its own (TIER_LANGUAGES in tiers/tier.ts). */
export const LANGUAGES = [
  'javascript',
  'typescript',
  'assemblyscript',
  'wasm',
  'python',
  'shell',
] as const

export type Language = (typeof LANGUAGES)[number]

/** Every outcome of guest code. Only 'ok' means the code ran to completion. */
export type ExecStatus =
  'ok' | 'error' | 'timeout' | 'memory' | 'cpu' | 'output' | 'cancelled' | 'crashed'

/** A run's request. A plain string passed to execute() is `{ code }`. */
export interface ExecRequest {
  /** Source code (or a shell command on containers). */
  code?: string
  /** @default the sandbox's language, else 'javascript' */
  language?: Language
  /** JSON-safe value exposed to the guest as the global `input`. */
  input?: unknown
  /** Bytes or text for the guest's standard input (container tiers, WASI). */
  stdin?: string | Uint8Array
  /** Wall-clock limit for this run; at most the sandbox's `limits.executionTime`. */
  timeoutMs?: number
  /** Cancels the run: it ends with status 'cancelled'. */
  signal?: AbortSignal
  /** wasm tier: name of the export to call instead of `main`. */
  fn?: string
  /** wasm tier: arguments for `fn`. */
  args?: unknown[]
  /** wasm tier: a user module to run (language 'wasm'). */
  wasmBinary?: Uint8Array
  /**
   * Called with the run's output as it is written, in the order the guest wrote it (stdout and stderr
   * interleaved as they came; on containers stdout and stderr are two pipes read side by side, so two
   * writes microseconds apart may swap). The chunks of one attempt, joined per stream, are exactly the result's
   * stdout and stderr (what the output cap kept). A run that escalates is re-run from its start on the
   * container: the container attempt's chunks (their `tier` says which) follow the first attempt's.
   * A callback that throws is not called again for the run; the run goes on. A quickjs or wasm run whose
   * worker had to be terminated (a hard timeout) keeps the chunks streamed before; its result holds what
   * it holds without onOutput.
   */
  onOutput?: (chunk: OutputChunk) => void
  /**
   * Files written into the sandbox's folder before the run, by path (relative, or under /work/): text as
   * UTF-8. At most `limits.diskSpace` bytes in total. The run sees them; they stay after it.
   */
  files?: Record<string, string | Uint8Array>
}

/** A file a run created or changed under the sandbox's `out/` folder (ExecResult.files). */
export interface OutputFile {
  /** Relative to the sandbox's folder: 'out/plot.png'. */
  path: string
  /** Bytes of the file when the run ended. */
  size: number
  /** From the extension, else from the first bytes (PNG, JPEG, GIF, PDF), else application/octet-stream. */
  mimeType: string
  /** The file's bytes; left out when the result's files would pass `limits.maxOutputFileBytes`. */
  bytes?: Uint8Array
  /** True when `bytes` is left out for the cap: read the file with readFile. */
  truncated?: boolean
}

/** A piece of a run's output, as it streams. */
export interface OutputChunk {
  stream: 'stdout' | 'stderr'
  text: string
  /** The tier the attempt that wrote it runs on. */
  tier: TierId
}

/** Resources one run used, as measured by its tier. */
export interface Usage {
  wallMs: number
  cpuMs: number
  memoryPeakBytes: number
  netBytesIn: number
  netBytesOut: number
  requests: number
  deniedRequests: number
  hostCalls: number
  /**
   * Secrets whose placeholder a request carried to where it is not replaced by the value (a host that is
   * not the secret's, a part of the request its `in` does not list), counted per request or redirect hop.
   */
  secretsBlocked: number
}

export interface Escalation {
  from: TierId
  to: TierId
  /** e.g. 'capability:fs', 'cpu-budget', 'hedge' (both ran side by side), 'heavy-before' (straight there) */
  reason: string
  /** A hedged escalation: the in-process attempt and the container attempt ran side by side. */
  hedge?: EscalationHedge
  /**
   * false: the in-process sandbox held state (globals of its earlier runs, or a restored or forked state)
   * that the container attempt ran without; absent when there was none to carry.
   */
  stateCarried?: false
}

/** How a hedged escalation ended: whose result the run's is, and why. */
export interface EscalationHedge {
  /** Milliseconds after the run's start that the container attempt was started. */
  afterMs: number
  /** The tier whose attempt's result the run's result is (the other was cancelled). */
  winner: TierId
  /**
   * 'first-to-finish'; 'in-process-stopped' (by its CPU budget or a capability, so the container's result
   * stands); 'side-effect' (the in-process attempt made a host call or fetch after the hedge point: the
   * container attempt was cancelled); 'container-failed' (the container could not run it).
   */
  why: 'first-to-finish' | 'in-process-stopped' | 'side-effect' | 'container-failed'
}

/** An error as reported in a result: never a live host object. */
export interface ResultError {
  name: string
  message: string
  code?: ErrorCode | undefined
  stack?: string | undefined
  /** Compile diagnostics and similar structured detail. */
  details?: unknown
  /** What caused this error when it has a cause of its own (e.g. the failure of an escalation). */
  cause?: ResultError | undefined
}

/** The outcome of one run. Always has durationMs, stdout, stderr, tier and usage. */
export interface ExecResult {
  status: ExecStatus
  /** JSON-safe copy of the value (last expression or awaited default export); undefined when none. */
  value?: unknown
  stdout: string
  stderr: string
  /** Process exit code on container tiers; 0/1 on in-process tiers. */
  exitCode: number | null
  tier: TierId
  durationMs: number
  usage: Usage
  escalations: Escalation[]
  error?: ResultError
  /** True when stdout/stderr were cut at maxOutputBytes. */
  truncated?: boolean
  /**
   * What the run created or changed under the folder `out/` of the sandbox, when its tier has files
   * (bytes capped by limits.maxOutputFileBytes). Undefined on a tier without files.
   */
  files?: OutputFile[]
  /** Set on sandboxes created with `session: true` (docs/sessions.md); undefined elsewhere. */
  session?: SessionOutcome
}

/** What happened to a session's interpreter (SandboxConfig.session) around one execute. */
export interface SessionOutcome {
  /**
   * This execute ran in a fresh interpreter because the previous one ended (a limit outcome, its death, or a
   * new container): the globals, imports and threads of earlier executes are gone. False on the first.
   */
  restarted: boolean
  /** This execute ended the interpreter (a limit outcome, or it died): the next one starts a fresh one. */
  ended: boolean
}

export function emptyUsage(): Usage {
  return {
    wallMs: 0,
    cpuMs: 0,
    memoryPeakBytes: 0,
    netBytesIn: 0,
    netBytesOut: 0,
    requests: 0,
    deniedRequests: 0,
    hostCalls: 0,
    secretsBlocked: 0,
  }
}

/** Maps a limit status to the error code reported with it. */
export const statusErrorCode: Record<Exclude<ExecStatus, 'ok'>, ErrorCode> = {
  error: 'ERR_GUEST',
  timeout: 'ERR_TIMEOUT',
  memory: 'ERR_MEMORY',
  cpu: 'ERR_CPU',
  output: 'ERR_OUTPUT',
  cancelled: 'ERR_CANCELLED',
  crashed: 'ERR_CRASHED',
}
