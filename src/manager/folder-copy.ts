/**
 * One folder across an escalation: an in-process sandbox's files go into its container's /work before the
 * re-run, and what the container run created, changed or removed comes back after it. Both copies are
 * bounded by the sandbox's diskSpace (each read asks for at most what is left of it).
 */
import { FileError } from '../errors.js'
import type { FileEntry, TierFiles } from '../tiers/tier-files.js'

const MAX_ENTRIES = 10_000

/** Makes `to` hold what `from` holds; returns `to`'s listing afterwards (what copyBack compares with). */
export async function copyFolder(
  from: TierFiles,
  to: TierFiles,
  maxBytes: number,
): Promise<FileEntry[]> {
  const source = await from.list('.', MAX_ENTRIES)
  const wanted = new Set(source.map((entry) => entry.path))
  // What the container kept from an earlier escalation and the sandbox no longer has.
  for (const stale of outermost(
    (await to.list('.', MAX_ENTRIES)).filter((e) => !wanted.has(e.path)),
  ))
    await to.remove(stale.path)
  let roomBytes = maxBytes
  for (const entry of source) {
    if (entry.kind !== 'file') continue
    const bytes = await from.read(entry.path, roomBytes)
    roomBytes -= bytes.byteLength
    await to.write(entry.path, bytes)
  }
  return await to.list('.', MAX_ENTRIES)
}

/**
 * Copies back to `to` what changed in `from` since `before` (a listing of `from`): new and changed files
 * written, files and folders gone removed.
 */
export async function copyBack(
  from: TierFiles,
  to: TierFiles,
  before: FileEntry[],
  maxBytes: number,
): Promise<void> {
  const old = new Map(before.map((entry) => [entry.path, entry]))
  const now = await from.list('.', MAX_ENTRIES)
  const present = new Set(now.map((entry) => entry.path))
  for (const gone of outermost(before.filter((entry) => !present.has(entry.path))))
    await to.remove(gone.path)
  let roomBytes = maxBytes
  for (const entry of now) {
    const was = old.get(entry.path)
    if (entry.kind === 'directory') continue
    if (was?.kind === 'file' && was.size === entry.size && was.modifiedMs === entry.modifiedMs)
      continue
    let bytes: Uint8Array
    try {
      bytes = await from.read(entry.path, roomBytes)
    } catch (err) {
      // Past what is left of diskSpace: the rest stays in the container only.
      if (err instanceof FileError && err.reason === 'too-large') break
      throw err
    }
    roomBytes -= bytes.byteLength
    await to.write(entry.path, bytes)
  }
}

/** Empties a folder (a container's /work before a hedged attempt: the run starts from an empty folder). */
export async function clearFolder(folder: TierFiles): Promise<void> {
  for (const entry of outermost(await folder.list('.', MAX_ENTRIES)))
    await folder.remove(entry.path)
}

/** Entries none of whose folders is also in the list (removing a folder removes what is in it). */
function outermost(entries: FileEntry[]): FileEntry[] {
  const folders = new Set(entries.filter((e) => e.kind === 'directory').map((e) => e.path))
  return entries.filter((entry) => {
    for (let i = entry.path.lastIndexOf('/'); i > 0; i = entry.path.lastIndexOf('/', i - 1))
      if (folders.has(entry.path.slice(0, i))) return false
    return true
  })
}
