/**
 * A QuickJS sandbox's folder operation (folder-files.ts asks it), after the runs before it (as a run
 * waits), placing the sandbox if it is not yet. A folder known to be empty answers without the worker.
 */
import { SandboxClosedError, SandboxError } from '../../errors.js'
import { emptyFolderReply } from './folder-files.js'
import type { FilesReply } from './folder-messages.js'
import type { FilesMessage } from './protocol.js'
import { reserveWorker } from './sandbox-placement.js'
import type { SandboxState } from './sandbox-state.js'

/** The folder is known to be empty (TierFiles.knownEmpty): no files in it, no run queued or still in the worker. */
export function isFolderIdle(state: SandboxState): boolean {
  return state.runsQueued === 0 && !state.folderInUse && state.abandoned === undefined
}

export function callFolder(
  state: SandboxState,
  message: Omit<FilesMessage, 'type' | 'sid'>,
  closed: boolean,
): Promise<FilesReply> {
  // A folder known to be empty (no run or write left files, no run in progress or still running in the
  // worker) answers at once: the manager's listing of out/ around every run costs no message, no wait.
  // Also once closed: the folder of a closed sandbox is empty.
  const empty = (): boolean =>
    !state.folderInUse && state.abandoned === undefined && message.op !== 'write'
  if (state.runsQueued === 0 && empty())
    return Promise.resolve(emptyFolderReply(message.op, message.path))
  if (closed) return Promise.reject(new SandboxClosedError('quickjs sandbox'))
  return state.enqueue(async () => {
    if (empty()) return emptyFolderReply(message.op, message.path)
    if (state.released) throw new SandboxClosedError('quickjs sandbox')
    const placement = await reserveWorker(state)
    if (placement === 'state lost')
      throw new SandboxError(
        'ERR_SANDBOX_RESET',
        'The sandbox lost its files because its worker was terminated; it has been reset',
      )
    try {
      const files: FilesMessage = { type: 'files', sid: state.deps.sid, ...message }
      if (!state.kept.folderKnown) files.folderFull = true
      const reply = await placement.host.worker.call<FilesReply>(files)
      state.kept.applyFolder(reply.folder)
      state.folderInUse = reply.folderInUse
      return reply
    } finally {
      placement.release()
    }
  })
}
