/**
 * The worker's side of QuickJsSandbox.files: a FilesMessage acted on the sandbox's folder (folder-tree.ts)
 * and its reply. A read is refused by size before its bytes are copied, and the one copy it makes is
 * transferred to the host (filesTransfer), never copied twice.
 */
import type { FileEntry } from '../tier-files.js'
import { FolderError, type Folder, type FolderCode } from './folder-tree.js'
import type { FilesMessage } from './protocol.js'
import type { FolderDelta } from './folder-image.js'

export interface FilesReply {
  /** What went wrong, as the folder's code, or 'too-large' for a read past its maximum. */
  code?: FolderCode | 'too-large'
  data?: Uint8Array
  entries?: FileEntry[]
  /** The folder holds files after the operation. */
  folderInUse: boolean
  /** What the operation changed in the folder, for the host's copy (folder-image.ts). */
  folder?: FolderDelta
}

/** Checked again here: the manager normalized it (config/sandbox-path.ts). */
function isRelative(path: string): boolean {
  return (
    path === '.' || path.split('/').every((name) => name !== '' && name !== '.' && name !== '..')
  )
}

export function answerFiles(folder: Folder, message: FilesMessage): FilesReply {
  const reply = (extra: Partial<FilesReply>): FilesReply => ({
    ...extra,
    folderInUse: !folder.isEmpty,
  })
  const { op, path } = message
  if (!isRelative(path)) return reply({ code: 'EINVAL' })
  try {
    switch (op) {
      case 'write': {
        const data = message.data ?? new Uint8Array(0)
        // Parents are made, as TierFiles.write promises.
        const slash = path.lastIndexOf('/')
        if (slash > 0) folder.mkdir(path.slice(0, slash), true)
        folder.write(path, data)
        return reply({})
      }
      case 'read': {
        const data = folder.read(path)
        if (data.byteLength > (message.max ?? 0)) return reply({ code: 'too-large' })
        return reply({ data: data.slice() })
      }
      case 'list': {
        const entries = folder.walk(path, message.max ?? 0).map(([name, entry]) => ({
          path: name,
          kind: entry.kind,
          size: entry.data.byteLength,
          modifiedMs: entry.modifiedMs,
        }))
        return reply({ entries })
      }
      case 'remove': {
        if (folder.stat(path)) folder.remove(path, true)
        return reply({})
      }
    }
  } catch (err) {
    if (err instanceof FolderError) return reply({ code: err.code })
    throw err
  }
}

/** The buffers a reply moves to the host rather than copies. */
export function filesTransfer(value: unknown): ArrayBuffer[] {
  const data = (value as Partial<FilesReply> | null)?.data
  return data ? [data.buffer as ArrayBuffer] : []
}
