/**
 * Entry of a QuickJS guest worker. Hosts many sandboxes, each with its own QuickJS module and memory, and
 * runs one request at a time per sandbox. The host thread terminates this worker when a run overstays its
 * deadline, so nothing here has to be able to stop a runaway built-in.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { GuestBinding, GuestContext } from './guest-context.js'
import { restoreGuestImage, takeGuestImage } from './guest-image.js'
import { endedBeforeStart, replyWithoutRun, fireGuestTimer, runGuest } from './guest-run.js'
import { sandboxResetError } from '../../limits/limit-errors.js'
import { ModuleStash } from './module-stash.js'
import { useRunningBoard } from './running-board.js'
import {
  startSlot,
  type CreateMessage,
  type ExecMessage,
  type ExecReply,
  type HostToWorker,
  type OutputEvent,
  type ProbeReply,
  type SnapshotReply,
} from './protocol.js'
import type { StaticLayout } from './wasm-layout.js'
import { Folder } from './folder-tree.js'
import { runWithFolder } from './folder-seat.js'
import { answerFiles, filesTransfer } from './folder-messages.js'
import { folderEntries, folderList, FolderSync } from './folder-image.js'
import { baselineIdOf } from './snapshot-baseline.js'
import { contextPointer, reseed } from './context-image.js'

interface QuickJsWorkerData {
  wasmModule: WebAssembly.Module
  staticLayout: StaticLayout | undefined
  warmPages: number
  warmModules: number
  cancelBoard: SharedArrayBuffer
}

const port = parentPort
if (!port) throw new Error('worker-main must run in a worker thread')
const data = workerData as QuickJsWorkerData
const stash = new ModuleStash({
  wasmModule: data.wasmModule,
  warmPages: data.warmPages,
  target: data.warmModules,
  staticLayout: data.staticLayout,
})
const cancelBoard = new Int32Array(data.cancelBoard)

interface Slot {
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
// Creation is async (it may instantiate a module), and an exec can arrive before it ends: keep promises.
// Built when the create arrives, not at the first run: measured, building it in the exec's own chain of
// promises cost ~10 µs of worker time and ~0.4 ms of p99 on back-to-back run().
const slots = new Map<number, Promise<Slot>>()

function bindingOf(create: CreateMessage, guest: GuestContext): GuestBinding {
  const sid = create.sid
  return {
    memoryLimitBytes: create.memoryLimitBytes,
    hostFunctionNames: create.hostFunctionNames,
    env: create.env,
    sendHostCall: (callId, name, argsJson) =>
      port?.postMessage({ type: 'hostCall', sid, callId, name, argsJson }),
    onTimer: (id) => fireGuestTimer(guest, id),
  }
}

async function newGuest(create: CreateMessage): Promise<GuestContext> {
  const guest = await stash.take(create.maxPages)
  return guest.bind(bindingOf(create, guest))
}

/**
 * A sandbox's guest: rebuilt from its image and folder when the create carries them, else fresh. A
 * snapshot's state (`restore`) must have been taken against this worker's ready image; it gets a fresh
 * Math.random seed (a fork does not repeat its parent's numbers) and its config's limit and host functions.
 */
async function newSlot(create: CreateMessage): Promise<Slot> {
  const { image, restore } = create
  let folder: Folder
  try {
    folder = Folder.restore(create.diskSpaceBytes, folderEntries(create.folder ?? []))
  } catch {
    folder = new Folder(create.diskSpaceBytes)
  }
  const sync = new FolderSync(folder, create.folder !== undefined)
  const slot = { create, lostState: false, folder, sync }
  if (!image) return { ...slot, guest: await newGuest(create) }
  const guest = await stash.take(create.maxPages)
  const source = stash.imageSource
  let failed: ProbeReply['failed'] = source ? undefined : 'unsupported'
  if (source && restore?.baselineId && source.matches(guest))
    if (baselineIdOf(source, guest) !== restore.baselineId) failed = 'foreign-version'
  if (source && !failed && restoreGuestImage(source, guest, image)) {
    try {
      if (restore) reseed(source.layout, guest.memory, contextPointer(guest.context))
      return { ...slot, guest: guest.adopt(bindingOf(create, guest), restore !== undefined) }
    } catch {
      // A host function name the guest made unassignable: the state cannot take this config.
    }
  }
  // Possibly half written: never reused.
  guest.dispose()
  return {
    ...slot,
    guest: await newGuest(create),
    lostState: true,
    failed: failed ?? 'unsupported',
  }
}

/** A crashed module may be broken (an emscripten abort): dropped. Any other is reset or rebuilt by the stash. */
function release(guest: GuestContext, status: ExecReply['status']): void {
  if (status === 'crashed') guest.dispose()
  else stash.recycle(guest)
}

async function slotOf(sid: number): Promise<Slot> {
  const slot = slots.get(sid)
  if (!slot) throw new Error(`no sandbox ${sid} in this worker`)
  return slot
}

/** Frees a sandbox. */
function forget(sid: number): void {
  const slot = slots.get(sid)
  slots.delete(sid)
  slot?.then(({ guest }) => stash.recycle(guest)).catch(() => undefined)
}

/** A streaming run's output, sent as it is written (protocol.ts OutputEvent). */
function postOutput(event: OutputEvent): void {
  port?.postMessage(event)
}

/** Sandboxes' runs in order: the tail of each sandbox's chain of runs in this worker. */
const turns = new Map<number, Promise<unknown>>()

async function exec(message: ExecMessage): Promise<ExecReply> {
  const reply = await runOrEnd(message)
  if (!message.last) {
    // The sandbox lives on: the host keeps its state and folder, should this worker be terminated later.
    // Also after a run that did not start: its reply may be the one the host waits on for the state.
    const slot = await slots.get(message.sid)?.catch(() => undefined)
    const source = stash.imageSource
    const image = source && slot && takeGuestImage(source, slot.guest)
    if (image) reply.image = image
    const delta = slot?.sync.delta(slot.folder, message.folderFull === true)
    if (delta) reply.folder = delta
  }
  return reply
}

/** The sandbox's whole state for a snapshot: its image is bounded by its memory limit only. */
function snapshotOf(slot: Slot | undefined): SnapshotReply {
  if (!slot) throw new Error('no sandbox in this worker')
  const source = stash.imageSource
  const folder = folderList(slot.folder)
  if (!source) return { unsupported: stash.imageUnsupported ?? 'no image', baselineId: '', folder }
  if (slot.lostState) return { unsupported: 'state-lost', baselineId: '', folder }
  const image = takeGuestImage(source, slot.guest, Infinity)
  if (!image)
    return { unsupported: 'the sandbox does not match the ready image', baselineId: '', folder }
  return { image, baselineId: baselineIdOf(source, slot.guest), folder }
}

/** Runs `task` after the sandbox's runs and folder operations still in this worker. */
function afterTurns<T>(sid: number, task: () => Promise<T>): Promise<T> {
  const turn = (turns.get(sid) ?? Promise.resolve()).then(task)
  const tail = turn.catch(() => undefined)
  turns.set(sid, tail)
  void tail.then(() => {
    if (turns.get(sid) === tail) turns.delete(sid)
  })
  return turn
}

async function runOrEnd(message: ExecMessage): Promise<ExecReply> {
  Atomics.store(cancelBoard, startSlot(message.token), message.token)
  const expired = endedBeforeStart(message, cancelBoard)
  if (expired) {
    if (message.last) forget(message.sid)
    return expired
  }
  const slot = await slotOf(message.sid)
  if (slot.lostState) {
    slot.lostState = false
    if (message.last) forget(message.sid)
    return stateLostReply()
  }
  const reply: ExecReply = await runWithFolder(slot.guest, slot.folder, () =>
    runGuest(slot.guest, message, cancelBoard, postOutput),
  )
  reply.folderInUse = !slot.folder.isEmpty
  // A last run that left files keeps its sandbox until the host's destroy: the manager lists out/ after it.
  if (message.last && !reply.folderInUse) {
    // run(): the sandbox ends with this run. Freed now (a reset is ~10 µs), in this same wake-up,
    // rather than on a destroy message that would wake the worker (and the host's send) once more.
    slots.delete(message.sid)
    release(slot.guest, reply.status)
  } else if (reply.reset) {
    // After a limit breach the context is not proven clean: replace it with a fresh one.
    release(slot.guest, reply.status)
    slot.guest = await newGuest(slot.create)
  }
  return reply
}

async function handle(message: HostToWorker): Promise<unknown> {
  switch (message.type) {
    case 'create': {
      // No reply: the run that follows awaits the slot, so a failed creation fails that run.
      const slot = newSlot(message)
      slot.catch(() => undefined)
      slots.set(message.sid, slot)
      return null
    }
    case 'exec': {
      // One run per sandbox at a time, even if the host gave up on the previous one (it ended on the host
      // at its deadline but still waits here, e.g. behind another sandbox's stuck run).
      const previous = turns.get(message.sid)
      // run() (a last run on a new sandbox) has nothing before or after it: no bookkeeping on its path.
      if (!previous && message.last) return exec(message)
      const turn = previous ? previous.then(() => exec(message)) : exec(message)
      const tail = turn.catch(() => undefined)
      turns.set(message.sid, tail)
      void tail.then(() => {
        if (turns.get(message.sid) === tail) turns.delete(message.sid)
      })
      return turn
    }
    case 'files':
      // After the sandbox's runs still in this worker (the host may have given up on one).
      return afterTurns(message.sid, async () => {
        const slot = await slots.get(message.sid)
        // A sandbox already freed (after its last run) has no files.
        if (!slot) return answerFiles(new Folder(0), message)
        const reply = answerFiles(slot.folder, message)
        const delta = slot.sync.delta(slot.folder, message.folderFull === true)
        if (delta) reply.folder = delta
        return reply
      })
    case 'snapshot':
      return afterTurns(message.sid, async () => snapshotOf(await slots.get(message.sid)))
    case 'probe': {
      const slot = await slots.get(message.sid)
      const reply: ProbeReply = {}
      if (slot?.lostState) reply.failed = slot.failed ?? 'unsupported'
      return reply
    }
    case 'destroy': {
      forget(message.sid)
      return null
    }
    case 'cancel': {
      ;(await slots.get(message.sid))?.guest.run?.requestStop('cancelled')
      return null
    }
    case 'idleWorkBoard': {
      const board = new Int32Array(message.board)
      stash.reportIdleWork(board)
      useRunningBoard(board)
      return null
    }
    case 'hostReply': {
      ;(await slots.get(message.sid))?.guest.settleHostCall(message.callId, message.replyJson)
      return null
    }
  }
}

port.on('message', (message: HostToWorker & { id?: number }) => {
  handle(message).then(
    (value) => {
      if (message.id === undefined) return
      // An image's buffers are moved to the host, not copied.
      const image = (value as ExecReply | null)?.image
      const transfer = image
        ? [image.pages.buffer as ArrayBuffer, image.bytes.buffer as ArrayBuffer]
        : filesTransfer(value)
      port.postMessage({ replyTo: message.id, ok: true, value }, transfer)
    },
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err))
      if (message.id !== undefined)
        port.postMessage({
          replyTo: message.id,
          ok: false,
          error: { name: e.name, message: e.message },
        })
    },
  )
})

stash.fill().then(
  () => port.postMessage({ type: 'ready' }),
  (err: unknown) => {
    throw err
  },
)

/** The first run of a sandbox whose state could not be rebuilt on this worker: it does not run. */
function stateLostReply(): ExecReply {
  return replyWithoutRun(
    'crashed',
    sandboxResetError(
      'The sandbox lost its state because its worker was terminated and it could not be rebuilt; it has been reset',
    ),
  )
}
