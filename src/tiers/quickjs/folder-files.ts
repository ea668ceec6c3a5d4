/**
 * QuickJsSandbox.files, host side: the TierFiles contract (tier-files.ts) on the sandbox's folder, which
 * lives in its guest worker (folder-tree.ts). Each call is a FilesMessage the sandbox sends after its runs
 * in progress (quickjs-sandbox.ts); the worker's codes become FileErrors here.
 */
import { FileError } from '../../errors.js'
import type { FileEntry, TierFiles } from '../tier-files.js'
import type { FilesReply } from './folder-messages.js'
import type { FilesMessage } from './protocol.js'

export type SendFiles = (message: Omit<FilesMessage, 'type' | 'sid'>) => Promise<FilesReply>

function failure(reply: FilesReply, path: string, maxBytes = 0): FileError | undefined {
  switch (reply.code) {
    case undefined:
      return undefined
    case 'ENOENT':
      return new FileError('not-found', path, `no such file or directory: ${path}`)
    case 'ENOSPC':
      return new FileError('no-space', path, `writing ${path} would pass the sandbox's diskSpace`)
    case 'too-large':
      return new FileError('too-large', path, `${path} is larger than ${maxBytes} bytes`)
    default:
      // EISDIR, ENOTDIR, EEXIST, EINVAL: something other than a regular file (or folder) is in the way.
      return new FileError('not-a-file', path, `${path} is not a regular file (${reply.code})`)
  }
}

/** What the worker would answer for an empty folder, without asking it. */
export function emptyFolderReply(op: FilesMessage['op'], path: string): FilesReply {
  if (op === 'remove' || (op === 'list' && path === '.')) return { entries: [], folderInUse: false }
  return { code: 'ENOENT', folderInUse: false }
}

export class QuickJsFiles implements TierFiles {
  readonly #send: SendFiles
  readonly #knownEmpty: () => boolean

  constructor(send: SendFiles, knownEmpty: () => boolean) {
    this.#send = send
    this.#knownEmpty = knownEmpty
  }

  knownEmpty(): boolean {
    return this.#knownEmpty()
  }

  async write(path: string, data: Uint8Array): Promise<void> {
    const reply = await this.#send({ op: 'write', path, data })
    const error = failure(reply, path)
    if (error) throw error
  }

  async read(path: string, maxBytes: number): Promise<Uint8Array> {
    const reply = await this.#send({ op: 'read', path, max: maxBytes })
    const error = failure(reply, path, maxBytes)
    if (error) throw error
    return reply.data ?? new Uint8Array(0)
  }

  async list(path: string, maxEntries: number): Promise<FileEntry[]> {
    const reply = await this.#send({ op: 'list', path, max: maxEntries })
    const error = failure(reply, path)
    if (error) throw error
    return reply.entries ?? []
  }

  async remove(path: string): Promise<void> {
    const reply = await this.#send({ op: 'remove', path })
    const error = failure(reply, path)
    if (error) throw error
  }
}
