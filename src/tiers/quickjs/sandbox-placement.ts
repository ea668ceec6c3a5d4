/**
 * Where a QuickJS sandbox runs: the worker it lives in, reserved for one run or operation, or a new one
 * where it is placed at its first run (so it lands on a worker that is not busy) and again after its worker
 * was lost, rebuilt there from the image and folder copy the host kept.
 */
import { WASM_PAGE_BYTES, secretPlaceholders } from '../../config.js'
import type { CreateMessage } from './protocol.js'
import type { Placement } from './quickjs-host.js'
import type { SandboxState } from './sandbox-state.js'

/**
 * The sandbox's worker reserved for a run: the one it lives in, or a new one where it is placed (rebuilt
 * from its image after its worker was lost). 'state lost': placed fresh, but the run must not start as if
 * the state it expects were there.
 */
export async function reserveWorker(state: SandboxState): Promise<Placement | 'state lost'> {
  const host = state.host
  if (host && !host.closed) return { host, release: host.reserve() }
  const kept = state.kept
  const known = !state.lost || kept.known
  const memory = state.lost ? kept.memory : 'fresh'
  const folder = state.lost ? kept.folder : []
  state.lost = false
  if (!known) {
    kept.setMemory('fresh')
    kept.resetFolder()
    state.restoring = undefined
  }
  state.folderInUse = known && (folder?.length ?? 0) > 0
  const image = known && typeof memory === 'object' ? memory : undefined
  // The worker's boot holds the process while the placement waits for it (GuestWorker.whenReady).
  const placement = await place(state, known ? { image, folder } : {})
  if (known) return placement
  placement.release()
  return 'state lost'
}

/**
 * Places the sandbox in a worker. The create message needs no reply: the run's message follows it, and a
 * failed creation (or restore) fails that run. One reply per run means one wake-up of the host thread, not
 * two. The worker comes reserved for the run.
 */
async function place(
  state: SandboxState,
  rebuild: Pick<CreateMessage, 'image' | 'folder'>,
): Promise<Placement> {
  const placement = await state.deps.place(state.isolated)
  const { host } = placement
  state.host = host
  host.attach(state.deps.sid, state.hosted)
  const { config, sid } = state.deps
  const create: CreateMessage = {
    type: 'create',
    sid,
    maxPages: Math.floor(config.memoryLimitBytes / WASM_PAGE_BYTES),
    memoryLimitBytes: config.memoryLimitBytes,
    hostFunctionNames: Object.keys(config.hostFunctions),
    diskSpaceBytes: config.diskSpaceBytes,
  }
  if (rebuild.image) create.image = rebuild.image
  if (rebuild.folder && rebuild.folder.length > 0) create.folder = rebuild.folder
  if (state.restoring) create.restore = state.restoring
  if (config.network.secrets.length > 0) create.env = secretPlaceholders(config.network.secrets)
  host.worker.post(create)
  return placement
}
