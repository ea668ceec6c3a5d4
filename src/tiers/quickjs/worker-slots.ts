/**
 * The sandboxes a QuickJS guest worker hosts: one slot per sandbox, with its guest context and folder,
 * made at the host's create message (fresh, or rebuilt from an image and folder) and freed at its destroy
 * or last run. The message handlers of worker-main.ts share them through one WorkerScope.
 */
import type { GuestBinding, GuestContext } from './guest-context.js'
import { restoreGuestImage } from './guest-image.js'
import { fireGuestTimer } from './guest-run.js'
import type { ModuleStash } from './module-stash.js'
import type {
  CreateMessage,
  ExecReply,
  HostCallEvent,
  OutputEvent,
  ProbeReply,
} from './protocol.js'
import { Folder } from './folder-tree.js'
import { folderEntries, FolderSync } from './folder-image.js'
import { baselineIdOf } from './snapshot-baseline.js'
import { contextPointer, reseed } from './context-image.js'

export interface Slot {
  create: CreateMessage
  guest: GuestContext
  /** The sandbox was to be rebuilt from an image and could not be: its next run reports the reset. */
  lostState: boolean
  /** The sandbox's files (folder-tree.ts): the slot's, never the module's, so a reset module holds none. */
  folder: Folder
  /** What the host holds of the folder (folder-image.ts). */
  sync: FolderSync
  /** Why the state could not be rebuilt, when lostState (a restore's probe reports it). */
  failed?: ProbeReply['failed']
}

/** What the worker's message handlers share. */
export interface WorkerScope {
  readonly stash: ModuleStash
  /** Shared with the host: a run's token written here interrupts it (protocol.ts cancelSlot, startSlot). */
  readonly cancelBoard: Int32Array
  /**
   * Creation is async (it may instantiate a module), and an exec can arrive before it ends: promises.
   * Built when the create arrives, not at the first run: measured, building it in the exec's own chain of
   * promises cost ~10 µs of worker time and ~0.4 ms of p99 on back-to-back run().
   */
  readonly slots: Map<number, Promise<Slot>>
  /** Posts an event to the host thread: a host call, or a streaming run's output (sent as it is written). */
  readonly post: (event: HostCallEvent | OutputEvent) => void
}

function bindingOf(scope: WorkerScope, create: CreateMessage, guest: GuestContext): GuestBinding {
  const sid = create.sid
  return {
    memoryLimitBytes: create.memoryLimitBytes,
    hostFunctionNames: create.hostFunctionNames,
    env: create.env,
    sendHostCall: (callId, name, argsJson) =>
      scope.post({ type: 'hostCall', sid, callId, name, argsJson }),
    onTimer: (id) => fireGuestTimer(guest, id),
  }
}

export async function newGuest(scope: WorkerScope, create: CreateMessage): Promise<GuestContext> {
  const guest = await scope.stash.take(create.maxPages)
  return guest.bind(bindingOf(scope, create, guest))
}

/**
 * A sandbox's guest: rebuilt from its image and folder when the create carries them, else fresh. A
 * snapshot's state (`restore`) must have been taken against this worker's ready image; it gets a fresh
 * Math.random seed (a fork does not repeat its parent's numbers) and its config's limit and host functions.
 */
export async function newSlot(scope: WorkerScope, create: CreateMessage): Promise<Slot> {
  const { stash } = scope
  const { image, restore } = create
  let folder: Folder
  try {
    folder = Folder.restore(create.diskSpaceBytes, folderEntries(create.folder ?? []))
  } catch {
    folder = new Folder(create.diskSpaceBytes)
  }
  const sync = new FolderSync(folder, create.folder !== undefined)
  const slot = { create, lostState: false, folder, sync }
  if (!image) return { ...slot, guest: await newGuest(scope, create) }
  const guest = await stash.take(create.maxPages)
  const source = stash.imageSource
  let failed: ProbeReply['failed'] = source ? undefined : 'unsupported'
  if (source && restore?.baselineId && source.matches(guest))
    if (baselineIdOf(source, guest) !== restore.baselineId) failed = 'foreign-version'
  if (source && !failed && restoreGuestImage(source, guest, image)) {
    try {
      if (restore) reseed(source.layout, guest.memory, contextPointer(guest.context))
      return { ...slot, guest: guest.adopt(bindingOf(scope, create, guest), restore !== undefined) }
    } catch {
      // A host function name the guest made unassignable: the state cannot take this config.
    }
  }
  // Possibly half written: never reused.
  guest.dispose()
  return {
    ...slot,
    guest: await newGuest(scope, create),
    lostState: true,
    failed: failed ?? 'unsupported',
  }
}

/** A crashed module may be broken (an emscripten abort): dropped. Any other is reset or rebuilt by the stash. */
export function releaseGuest(
  scope: WorkerScope,
  guest: GuestContext,
  status: ExecReply['status'],
): void {
  if (status === 'crashed') guest.dispose()
  else scope.stash.recycle(guest)
}

export async function slotOf(scope: WorkerScope, sid: number): Promise<Slot> {
  const slot = scope.slots.get(sid)
  if (!slot) throw new Error(`no sandbox ${sid} in this worker`)
  return slot
}

/** Frees a sandbox. */
export function forgetSlot(scope: WorkerScope, sid: number): void {
  const slot = scope.slots.get(sid)
  scope.slots.delete(sid)
  slot?.then(({ guest }) => scope.stash.recycle(guest)).catch(() => undefined)
}
