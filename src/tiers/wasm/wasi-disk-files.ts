/**
 * The sandbox's folder inside one WASI run (worker side). wasmer's in-memory filesystem lives and dies
 * with the run's WASI instance, so the folder is kept on the host (wasi-disk-folder.ts) and crosses over:
 * its files are put into the MemFS before the guest starts (the guest sees them at its preopened folder,
 * "."), and what the MemFS holds when the run ends is read back, bounded by the run's share of diskSpace
 * (what it could have written is bounded by the disk budget already; the bound here is the copy's own).
 */
import type * as WasiModule from '@wasmer/wasi'

type MemFS = InstanceType<typeof WasiModule.MemFS>

/** A folder as it crosses between the host and a run: files by path, folders (empty ones included). */
export interface FolderSnapshot {
  files: [path: string, bytes: Uint8Array][]
  dirs: string[]
}

/** Entries a run's folder may come back with (each costs at least ENTRY_BYTES of the budget anyway). */
const MAX_ENTRIES = 100_000

interface DirEntry {
  path?: unknown
  metadata?: { filetype?: { dir?: unknown; file?: unknown } }
}

/** Puts the folder into a new run's MemFS (its root is the guest's preopened "."). */
export function fillMemFs(fs: MemFS, folder: FolderSnapshot): void {
  for (const dir of folder.dirs) fs.createDir(`/${dir}`)
  for (const [path, bytes] of folder.files) {
    const file = fs.open(`/${path}`, { read: false, write: true, create: true, truncate: true })
    try {
      file.write(bytes)
    } finally {
      file.free()
    }
  }
}

/**
 * What the MemFS holds as the run ends; undefined when it is past `maxBytes` or MAX_ENTRIES (the host then
 * keeps the folder as it was before the run).
 */
export function collectMemFs(fs: MemFS, maxBytes: number): FolderSnapshot | undefined {
  const snapshot: FolderSnapshot = { files: [], dirs: [] }
  let bytes = 0
  let entries = 0
  const pending = ['']
  while (pending.length > 0) {
    const dir = pending.pop() as string
    for (const raw of fs.readDir(dir === '' ? '/' : `/${dir}`) as DirEntry[]) {
      if (++entries > MAX_ENTRIES || typeof raw.path !== 'string') return undefined
      const name = raw.path.slice(raw.path.lastIndexOf('/') + 1)
      const path = dir === '' ? name : `${dir}/${name}`
      const type = raw.metadata?.filetype
      if (type?.dir === true) {
        snapshot.dirs.push(path)
        pending.push(path)
      } else if (type?.file === true) {
        const file = fs.open(`/${path}`, { read: true })
        try {
          const size = Number(file.size())
          bytes += size
          if (bytes > maxBytes) return undefined
          snapshot.files.push([path, file.read()])
        } finally {
          file.free()
        }
      }
    }
  }
  return snapshot
}
