/**
 * Entry of a QuickJS guest worker. Hosts many sandboxes, each with its own QuickJS module and memory, and
 * runs one request at a time per sandbox. The host thread terminates this worker when a run overstays its
 * deadline, so nothing here has to be able to stop a runaway built-in.
 *
 * Here: the dispatch of the host's messages. The sandboxes' slots are in worker-slots.ts, a run in
 * worker-exec.ts, a snapshot in worker-snapshot.ts, each sandbox's order of turns in worker-turns.ts.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { ModuleStash } from './module-stash.js'
import { useRunningBoard } from './running-board.js'
import type { ExecReply, HostToWorker } from './protocol.js'
import type { StaticLayout } from './wasm-layout.js'
import { Folder } from './folder-tree.js'
import { answerFiles, filesTransfer } from './folder-messages.js'
import { forgetSlot, newSlot, type WorkerScope } from './worker-slots.js'
import { exec } from './worker-exec.js'
import { probeOf, snapshotOf } from './worker-snapshot.js'
import { SandboxTurns } from './worker-turns.js'

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
const scope: WorkerScope = {
  stash,
  cancelBoard: new Int32Array(data.cancelBoard),
  slots: new Map(),
  post: (event) => port.postMessage(event),
}
const { slots } = scope
const turns = new SandboxTurns()

async function handle(message: HostToWorker): Promise<unknown> {
  switch (message.type) {
    case 'create': {
      // No reply: the run that follows awaits the slot, so a failed creation fails that run.
      const slot = newSlot(scope, message)
      slot.catch(() => undefined)
      slots.set(message.sid, slot)
      return null
    }
    case 'exec':
      // One run per sandbox at a time, even if the host gave up on the previous one (it ended on the host
      // at its deadline but still waits here, e.g. behind another sandbox's stuck run).
      // run() (a last run on a new sandbox) has nothing before or after it: no bookkeeping on its path.
      if (!turns.has(message.sid) && message.last) return exec(scope, message)
      return turns.next(message.sid, () => exec(scope, message))
    case 'files':
      // After the sandbox's runs still in this worker (the host may have given up on one).
      return turns.after(message.sid, async () => {
        const slot = await slots.get(message.sid)
        // A sandbox already freed (after its last run) has no files.
        if (!slot) return answerFiles(new Folder(0), message)
        const reply = answerFiles(slot.folder, message)
        const delta = slot.sync.delta(slot.folder, message.folderFull === true)
        if (delta) reply.folder = delta
        return reply
      })
    case 'snapshot':
      return turns.after(message.sid, async () => snapshotOf(stash, await slots.get(message.sid)))
    case 'probe':
      return probeOf(await slots.get(message.sid))
    case 'destroy': {
      forgetSlot(scope, message.sid)
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
