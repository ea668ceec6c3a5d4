/**
 * A QuickJS sandbox's snapshot (issue 19): its state, taken by the worker after the runs before it, or
 * the kept copy for a fork; and the probe that checks a sandbox made from one was written in its worker.
 */
import { SandboxClosedError, SnapshotError } from '../../errors.js'
import type { TierSnapshot } from '../tier.js'
import type { ProbeReply, SnapshotReply } from './protocol.js'
import { reserveWorker } from './sandbox-placement.js'
import type { SandboxState } from './sandbox-state.js'

/**
 * The sandbox's state, once the runs and file operations before it ended. `local` (a fork in this
 * process): the kept copy does when it is current, without asking the worker.
 */
export async function takeSnapshot(
  state: SandboxState,
  local: boolean,
  isClosed: () => boolean,
): Promise<TierSnapshot> {
  if (state.released || isClosed()) throw new SandboxClosedError('quickjs sandbox')
  const { memory, folder } = state.kept
  const base = {
    tier: 'quickjs' as const,
    build: state.deps.build,
    memoryLimitBytes: state.deps.config.memoryLimitBytes,
  }
  // Never placed (and no snapshot to write in): a fresh sandbox with an empty folder.
  const placed = state.host !== undefined || state.lost
  if (!placed) return { ...base, baselineId: '', memory: undefined, folder: [] }
  if (local && state.abandoned === undefined && memory !== undefined && folder !== undefined)
    return {
      ...base,
      baselineId: state.restoring?.baselineId ?? '',
      memory: memory === 'fresh' ? undefined : memory,
      folder,
    }
  const placement = await reserveWorker(state)
  if (placement === 'state lost') throw stateLost()
  try {
    const reply = await placement.host.worker.call<SnapshotReply>({
      type: 'snapshot',
      sid: state.deps.sid,
    })
    if (reply.unsupported === 'state-lost') throw stateLost()
    if (!reply.image)
      throw new SnapshotError(
        'unsupported',
        `This sandbox cannot be snapshotted: ${reply.unsupported ?? 'no image'}`,
      )
    return { ...base, baselineId: reply.baselineId, memory: reply.image, folder: reply.folder }
  } finally {
    placement.release()
  }
}

/**
 * Places a sandbox made from a snapshot now and checks that its state was written.
 * @throws SnapshotError 'foreign-version' (another ready image) or 'unsupported'.
 */
export async function probeRestored(state: SandboxState): Promise<void> {
  const placement = await reserveWorker(state)
  if (placement === 'state lost') throw stateLost()
  try {
    const reply = await placement.host.worker.call<ProbeReply>({
      type: 'probe',
      sid: state.deps.sid,
    })
    if (reply.failed === 'foreign-version')
      throw new SnapshotError(
        'foreign-version',
        'The snapshot was taken on another build of the QuickJS tier',
      )
    if (reply.failed)
      throw new SnapshotError(
        'unsupported',
        'The snapshot could not be written into a QuickJS module here',
      )
  } finally {
    placement.release()
  }
}

function stateLost(): SnapshotError {
  return new SnapshotError(
    'state-lost',
    'The sandbox lost its state because its worker was terminated; it has been reset',
  )
}
