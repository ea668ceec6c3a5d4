/**
 * Which folder a guest's `fs` reaches: the sandbox's own, and only while one of its runs is in progress.
 * The worker seats the folder on the sandbox's context for the run (runWithFolder) and unseats it when
 * the run ends, so a context that goes back to the module stash (and serves the next tenant) reaches no
 * folder at all: the folder belongs to the worker's slot of the sandbox, never to the module.
 *
 * What a run leaves in the folder: its writes are kept when it ends, whatever ended it (a limit too: the
 * folder is a disk, not the guest's memory, and a write made before the stop happened), except a run that
 * ends needing a capability: the manager re-runs it on a container, so the folder goes back to the one the
 * run found (copy on write, folder-tree.ts).
 */
import type { QuickJSContext } from 'quickjs-emscripten'
import type { ExecReply } from './protocol.js'
import type { Folder } from './folder-tree.js'
import type { RunState } from './run-state.js'
import type { GuestContext } from './guest-context.js'

export interface FolderSeat {
  folder: Folder
  /** The run in progress, to stop it when the guest needs a capability (a path outside /work). */
  run: () => RunState | undefined
  /** Bytes the module's memory can still grow by: a read never copies more than fits into the guest. */
  headroomBytes: () => number
}

const seats = new WeakMap<QuickJSContext, FolderSeat>()

export function seatOf(ctx: QuickJSContext): FolderSeat | undefined {
  return seats.get(ctx)
}

/**
 * Runs `run` with the folder reachable from `guest`'s natives; the folder's changes kept or rolled back,
 * and the reply says whether the folder holds files.
 */
export async function runWithFolder(
  guest: GuestContext,
  folder: Folder,
  run: () => Promise<ExecReply>,
): Promise<ExecReply> {
  const ctx = guest.context
  seats.set(ctx, {
    folder,
    run: () => guest.run,
    headroomBytes: () => guest.memoryLimitBytes - guest.memory.buffer.byteLength,
  })
  folder.beginRun()
  let keep = true
  try {
    const reply = await run()
    keep = reply.error?.code !== 'ERR_CAPABILITY_REQUIRED'
    return reply
  } finally {
    seats.delete(ctx)
    folder.endRun(keep)
  }
}
