/**
 * The manager's file methods (writeFile, readFile, listFiles, removeFile) and a run's files in and out
 * (ExecRequest.files, ExecResult.files), on the sandbox's tier's folder (tiers/tier-files.ts). Paths are
 * checked once, here (config/sandbox-path.ts). Every operation takes its turn with the sandbox's runs: it
 * waits for the run in progress, and the next run waits for it.
 */
import { sandboxPath } from '../config/sandbox-path.js'
import type { RequestFile } from '../config/request.js'
import { ConfigError, FileError, ValidationError } from '../errors.js'
import type { FileEntry, TierFiles } from '../tiers/tier-files.js'
import type { ExecResult, OutputFile } from '../types.js'
import type { LiveSandbox } from './live-sandbox.js'
import { mimeTypeOf } from './mime-type.js'

/** Entries a listing returns at most. */
export const MAX_LIST_ENTRIES = 10_000
/** The folder whose new and changed files a result carries. */
export const OUTPUT_FOLDER = 'out'

/** Options of readFile. */
export interface ReadFileOptions {
  /** Largest file read; a larger one rejects with FileError 'too-large'. @default limits.diskSpace */
  maxBytes?: number
}

/** The tier's folder, or a ValidationError naming the tier that has none. */
export function folderOf(live: LiveSandbox): TierFiles {
  const files = live.sandbox.files
  if (files === undefined)
    throw new ValidationError(`Tier "${live.tierId}" has no files: its sandboxes have no folder`, [
      'use a tier with files (wasm, docker, gvisor)',
    ])
  return files
}

function takeTurn<T>(live: LiveSandbox, operation: (files: TierFiles) => Promise<T>): Promise<T> {
  const files = folderOf(live)
  return live.turns.next(() => {
    // The operation may change out/: the next run lists it before it starts.
    live.outListing = undefined
    return operation(files)
  })
}

/** writeFile: text as UTF-8; parents created; a regular file there is replaced. */
export function writeSandboxFile(
  live: LiveSandbox,
  path: string,
  data: string | Uint8Array,
): Promise<void> {
  const checked = filePath(path)
  if (typeof data !== 'string' && !(data instanceof Uint8Array))
    throw new ConfigError('data', 'a string or a Uint8Array', data)
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  return takeTurn(live, (files) => files.write(checked, bytes))
}

export function readSandboxFile(
  live: LiveSandbox,
  path: string,
  options: ReadFileOptions = {},
): Promise<Uint8Array> {
  const checked = filePath(path)
  const maxBytes =
    options.maxBytes === undefined ? live.config.diskSpaceBytes : checkMaxBytes(options.maxBytes)
  return takeTurn(live, (files) => files.read(checked, maxBytes))
}

export function listSandboxFiles(live: LiveSandbox, path = '.'): Promise<FileEntry[]> {
  const checked = sandboxPath(path)
  return takeTurn(live, (files) => files.list(checked, MAX_LIST_ENTRIES))
}

export function removeSandboxFile(live: LiveSandbox, path: string): Promise<void> {
  const checked = filePath(path)
  return takeTurn(live, (files) => files.remove(checked))
}

/** A checked path that names something inside the folder, not the folder itself. */
function filePath(path: unknown): string {
  const checked = sandboxPath(path)
  if (checked === '.') throw new ConfigError('path', "a path inside the sandbox's folder", path)
  return checked
}

function checkMaxBytes(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new ConfigError('maxBytes', 'a byte count (an integer ≥ 0)', value)
  return value
}

/**
 * Before a run (in its turn, outside its clock): writes the request's files, and makes sure the listing
 * of out/ the run's files are compared with is known.
 */
export async function prepareRunFiles(
  live: LiveSandbox,
  requestFiles: RequestFile[] | undefined,
): Promise<void> {
  const files = live.sandbox.files
  if (files === undefined) return
  if (requestFiles !== undefined && requestFiles.length > 0) {
    live.outListing = undefined
    for (const { path, bytes } of requestFiles) await files.write(path, bytes)
  }
  // A folder that cannot be listed now (its worker or container is being replaced) is not the run's
  // failure: the run itself reports what happened, and its out/ files are then all new to the result.
  live.outListing ??= outputKnownEmpty(files)
    ? []
    : await listOutput(files).catch(() => undefined)
}

/** out/ holds nothing, as the tier knows without a listing (TierFiles.knownEmpty / outputKnownEmpty). */
function outputKnownEmpty(files: TierFiles): boolean {
  return files.knownEmpty?.() === true || files.outputKnownEmpty?.() === true
}

/** Runs given up on or lost: their sandbox may still be ending them, so their folder is not read. */
const UNSETTLED = new Set<ExecResult['status']>(['timeout', 'cancelled', 'crashed'])

/**
 * The result with `files`: what the run wrote under out/. Never turns a result into a rejection: a folder
 * that cannot be read (the sandbox was destroyed, its worker or container went) leaves `files` out, and so
 * does a run that ended 'timeout', 'cancelled' or 'crashed' (reading it would wait for the sandbox to finish
 * ending the run, past the caller's limit; listFiles/readFile read it once it has).
 */
export async function withOutputFiles(
  live: LiveSandbox,
  result: ExecResult,
  folder: TierFiles,
): Promise<ExecResult> {
  if (UNSETTLED.has(result.status)) {
    live.outListing = undefined
    return result
  }
  // Nothing there, known without asking (most in-process runs, and container runs whose runner said out/
  // is empty): no listing.
  if (outputKnownEmpty(folder)) {
    live.outListing = []
    return { ...result, files: [] }
  }
  try {
    return { ...result, files: await collectOutputFiles(live, folder) }
  } catch {
    live.outListing = undefined
    return result
  }
}

/**
 * After a run: the files it created or changed under out/ (size or modification time differ from the
 * listing before it), with their bytes while the result's total stays within limits.maxOutputFileBytes;
 * past it, listed without bytes and `truncated`. The listing and the reads happen after the run's clock
 * stopped: they are not in its durationMs.
 */
export async function collectOutputFiles(
  live: LiveSandbox,
  files: TierFiles = folderOf(live),
): Promise<OutputFile[]> {
  const before = new Map((live.outListing ?? []).map((entry) => [entry.path, entry]))
  live.outListing = undefined
  const after = await listOutput(files)
  let roomBytes = live.config.maxOutputFileBytes
  const written: OutputFile[] = []
  for (const entry of after) {
    if (entry.kind !== 'file') continue
    const old = before.get(entry.path)
    if (
      old &&
      old.kind === 'file' &&
      old.size === entry.size &&
      old.modifiedMs === entry.modifiedMs
    )
      continue
    let bytes: Uint8Array | undefined
    if (entry.size <= roomBytes) bytes = await readIfThere(files, entry.path, roomBytes)
    if (bytes !== undefined) roomBytes -= bytes.byteLength
    const file: OutputFile = {
      path: entry.path,
      size: bytes?.byteLength ?? entry.size,
      mimeType: mimeTypeOf(entry.path, bytes),
    }
    if (bytes !== undefined) file.bytes = bytes
    else file.truncated = true
    written.push(file)
  }
  live.outListing = after
  return written
}

async function readIfThere(
  files: TierFiles,
  path: string,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  try {
    return await files.read(path, maxBytes)
  } catch (err) {
    if (err instanceof FileError) return undefined
    throw err
  }
}

/** The listing of out/: empty when there is none (or something else than a folder is there). */
async function listOutput(files: TierFiles): Promise<FileEntry[]> {
  try {
    return await files.list(OUTPUT_FOLDER, MAX_LIST_ENTRIES)
  } catch (err) {
    if (err instanceof FileError) return []
    throw err
  }
}
