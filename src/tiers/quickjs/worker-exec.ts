/**
 * A run in a guest worker (the host's exec message): the run in the sandbox's guest with its folder, the
 * guest freed or reset after it as its reply says, and the state the host keeps (image, folder changes)
 * added to the reply while the sandbox lives on.
 */
import { takeGuestImage } from './guest-image.js'
import { endedBeforeStart, replyWithoutRun, runGuest } from './guest-run.js'
import { sandboxResetError } from '../../limits/limit-errors.js'
import { startSlot, type ExecMessage, type ExecReply } from './protocol.js'
import { runWithFolder } from './folder-seat.js'
import { forgetSlot, newGuest, releaseGuest, slotOf, type WorkerScope } from './worker-slots.js'

export async function exec(scope: WorkerScope, message: ExecMessage): Promise<ExecReply> {
  const reply = await runOrEnd(scope, message)
  if (!message.last) {
    // The sandbox lives on: the host keeps its state and folder, should this worker be terminated later.
    // Also after a run that did not start: its reply may be the one the host waits on for the state.
    const slot = await scope.slots.get(message.sid)?.catch(() => undefined)
    const source = scope.stash.imageSource
    const image = source && slot && takeGuestImage(source, slot.guest)
    if (image) reply.image = image
    const delta = slot?.sync.delta(slot.folder, message.folderFull === true)
    if (delta) reply.folder = delta
  }
  return reply
}

async function runOrEnd(scope: WorkerScope, message: ExecMessage): Promise<ExecReply> {
  const { cancelBoard } = scope
  Atomics.store(cancelBoard, startSlot(message.token), message.token)
  const expired = endedBeforeStart(message, cancelBoard)
  if (expired) {
    if (message.last) forgetSlot(scope, message.sid)
    return expired
  }
  const slot = await slotOf(scope, message.sid)
  if (slot.lostState) {
    slot.lostState = false
    if (message.last) forgetSlot(scope, message.sid)
    return stateLostReply()
  }
  const reply: ExecReply = await runWithFolder(slot.guest, slot.folder, () =>
    runGuest(slot.guest, message, cancelBoard, scope.post),
  )
  reply.folderInUse = !slot.folder.isEmpty
  // A last run that left files keeps its sandbox until the host's destroy: the manager lists out/ after it.
  if (message.last && !reply.folderInUse) {
    // run(): the sandbox ends with this run. Freed now (a reset is ~10 µs), in this same wake-up,
    // rather than on a destroy message that would wake the worker (and the host's send) once more.
    scope.slots.delete(message.sid)
    releaseGuest(scope, slot.guest, reply.status)
  } else if (reply.reset) {
    // After a limit breach the context is not proven clean: replace it with a fresh one.
    releaseGuest(scope, slot.guest, reply.status)
    slot.guest = await newGuest(scope, slot.create)
  }
  return reply
}

/** The first run of a sandbox whose state could not be rebuilt on this worker: it does not run. */
function stateLostReply(): ExecReply {
  return replyWithoutRun(
    'crashed',
    sandboxResetError(
      'The sandbox lost its state because its worker was terminated and it could not be rebuilt; it has been reset',
    ),
  )
}
