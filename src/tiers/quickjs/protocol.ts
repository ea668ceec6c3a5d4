/** Messages between the QuickJS tier (host thread) and its guest workers. */
import type { ExecStatus } from '../../types.js'
import type { ResultError } from '../../types.js'
import type { SandboxImage } from './sandbox-image.js'
import type { OutputPiece } from './output-batch.js'
import type { FolderImageEntry } from '../tier.js'
import type { FolderDelta } from './folder-image.js'

export interface CreateMessage {
  type: 'create'
  sid: number
  /** Maximum pages of the sandbox's own WebAssembly.Memory: its memory limit. */
  maxPages: number
  memoryLimitBytes: number
  hostFunctionNames: string[]
  /** The global `env`: the sandbox's secrets' placeholders by name (never their values). */
  env?: Record<string, string>
  /** The sandbox folder's capacity (diskSpace): files, names and ENTRY_OVERHEAD_BYTES per entry. */
  diskSpaceBytes: number
  /** Rebuild the sandbox from this image (its worker was lost) rather than start it fresh. */
  image?: SandboxImage
  /** The folder to rebuild it with (parents first); none: an empty folder. */
  folder?: FolderImageEntry[]
  /**
   * The state comes from a snapshot (restore, fork): `baselineId` must be this worker's ready image's
   * (when set), Math.random gets a fresh seed, and the config's memory limit and host functions are bound.
   */
  restore?: { baselineId: string }
}

/** Answers whether a sandbox's state was rebuilt (a restored snapshot is checked before it is handed out). */
export interface ProbeMessage {
  type: 'probe'
  sid: number
}

export interface ProbeReply {
  /** Why the state could not be rebuilt; undefined when it was. */
  failed?: 'foreign-version' | 'unsupported'
}

/** The sandbox's whole state for a snapshot, after its runs and file operations before it. */
export interface SnapshotMessage {
  type: 'snapshot'
  sid: number
}

export interface SnapshotReply {
  /** The memory image; undefined when the sandbox cannot be imaged (`unsupported` says why). */
  image?: SandboxImage
  unsupported?: string
  /** Identifies this build's ready-context image (snapshot-baseline.ts). */
  baselineId: string
  folder: FolderImageEntry[]
}

export interface ExecMessage {
  type: 'exec'
  sid: number
  /** Unique per run; the host cancels a run by writing it into the shared cancel board. */
  token: number
  code: string
  language: 'javascript' | 'typescript'
  /** JSON text of the input, or undefined for none. */
  inputJson: string | undefined
  timeoutMs: number
  /**
   * When the host's wall-clock limit for this run ends, as `performance.timeOrigin + performance.now()`: the
   * limit counts from execute(), so a run that waited in the worker's queue behind others keeps no more time.
   */
  deadlineAt: number
  cpuTimeMs: number
  maxOutputBytes: number
  /** The host has no copy of the folder: the reply carries all of it (folder-image.ts). */
  folderFull?: true
  /** No run follows: the worker frees the sandbox right after replying, so no destroy message is sent. */
  last?: true
  /** Someone listens to the run's output: the worker posts it as it is written (OutputEvent). */
  stream?: true
}

export interface DestroyMessage {
  type: 'destroy'
  sid: number
}

/** Asks the sandbox's current run to stop cooperatively; the host terminates the worker if it does not. */
export interface CancelMessage {
  type: 'cancel'
  sid: number
}

export interface HostReplyMessage {
  type: 'hostReply'
  sid: number
  callId: number
  /** JSON text `{ ok, value? , error? }` handed to the guest as is. */
  replyJson: string
}

/**
 * Shares the worker's idle-work flag with the host: the worker sets it while it frees old contexts or
 * builds new ones, so the host places a new sandbox on a worker that can take its run at once.
 */
export interface IdleWorkBoardMessage {
  type: 'idleWorkBoard'
  board: SharedArrayBuffer
}

/** The host reads or changes the sandbox's folder (folder-messages.ts), after the sandbox's runs in progress. */
export interface FilesMessage {
  type: 'files'
  sid: number
  op: 'write' | 'read' | 'list' | 'remove'
  /** Normalized by the manager (config/sandbox-path.ts); checked again by the worker. */
  path: string
  data?: Uint8Array
  /** read: larger files are refused before any copy; list: most entries. */
  max?: number
  /** The host has no copy of the folder: the reply carries all of it. */
  folderFull?: true
}

export type HostToWorker =
  | FilesMessage
  | CreateMessage
  | ExecMessage
  | DestroyMessage
  | CancelMessage
  | HostReplyMessage
  | IdleWorkBoardMessage
  | ProbeMessage
  | SnapshotMessage

/** A guest asked for a host function (or fetch). */
export interface HostCallEvent {
  type: 'hostCall'
  sid: number
  callId: number
  name: string
  argsJson: string
}

/** Output of a streaming run, in the order written; always posted before the run's reply. */
export interface OutputEvent {
  type: 'output'
  sid: number
  /** The run it belongs to: the host drops output of a run that is not its sandbox's current one. */
  token: number
  pieces: OutputPiece[]
}

export interface ExecReply {
  status: ExecStatus
  /** JSON text of the value; absent when the value is undefined. */
  valueJson?: string
  stdout: string
  stderr: string
  truncated: boolean
  error?: ResultError
  cpuMs: number
  memoryPeakBytes: number
  /** The sandbox's context was replaced after a limit breach: REPL state is gone. */
  reset: boolean
  /** The sandbox's state after the run, for a rebuild if its worker is lost (not after a last run). */
  image?: SandboxImage
  /** The folder holds files (folder-seat.ts). */
  folderInUse?: boolean
  /** What the run changed in the folder, for the host's copy (folder-image.ts). */
  folder?: FolderDelta
}

export const HOST_CALL_FETCH = '__fetch'

/**
 * Slots of the cancel board, a SharedArrayBuffer of Int32 shared by the tier and its workers. A guest
 * running synchronously cannot receive messages, but its interrupt handler can read this board.
 */
export const CANCEL_BOARD_SLOTS = 1024

export function cancelSlot(token: number): number {
  return token % CANCEL_BOARD_SLOTS
}

/**
 * A second set of slots on the same board: the worker writes a run's token there before it checks the
 * cancel slot, and the host reads it after it wrote the cancel slot. With sequentially consistent atomics
 * one of them sees the other's write: a run the host finds not started never starts.
 */
export function startSlot(token: number): number {
  return CANCEL_BOARD_SLOTS + (token % CANCEL_BOARD_SLOTS)
}

/** Int32 slots of the board: cancel slots, then start slots. */
export const BOARD_SLOTS = 2 * CANCEL_BOARD_SLOTS
