/**
 * A sandbox's state as a guest worker gives it for a snapshot (the host's snapshot message), and the
 * check that a sandbox made from a snapshot was written here (its probe message).
 */
import { takeGuestImage } from './guest-image.js'
import type { ModuleStash } from './module-stash.js'
import type { ProbeReply, SnapshotReply } from './protocol.js'
import { folderList } from './folder-image.js'
import { baselineIdOf } from './snapshot-baseline.js'
import type { Slot } from './worker-slots.js'

/** The sandbox's whole state for a snapshot: its image is bounded by its memory limit only. */
export function snapshotOf(stash: ModuleStash, slot: Slot | undefined): SnapshotReply {
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

/** Whether a sandbox made from a snapshot holds its state here, and why not. */
export function probeOf(slot: Slot | undefined): ProbeReply {
  const reply: ProbeReply = {}
  if (slot?.lostState) reply.failed = slot.failed ?? 'unsupported'
  return reply
}
