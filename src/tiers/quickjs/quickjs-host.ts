/**
 * A guest worker seen from the host thread: which sandboxes live in it, and routing of their host calls
 * and streamed output.
 * When the worker dies or is terminated, every sandbox in it is told.
 */
import type { GuestWorker, WorkerEvent } from '../guest-worker.js'
import type { HostCallEvent, OutputEvent } from './protocol.js'
import { RUNNING_SLOT } from './running-board.js'

export interface HostedSandbox {
  onHostCall(event: HostCallEvent): void
  onOutput(event: OutputEvent): void
  onWorkerLost(): void
}

/** A worker chosen for a run, reserved for it until `release` (see QuickJsHost.reserve). */
export interface Placement {
  host: QuickJsHost
  release: () => void
}

export class QuickJsHost {
  readonly worker: GuestWorker
  readonly #sandboxes = new Map<number, HostedSandbox>()
  /** Runs placed here and not ended: a guest runs synchronously, so a busy worker delays every other run. */
  #reserved = 0
  /**
   * Shared with the worker. Slot 0 is 1 while the worker has idle work (building contexts) that a new run
   * would wait behind; slot RUNNING_SLOT holds the token of the run whose guest code is executing now.
   */
  readonly #board = new Int32Array(new SharedArrayBuffer(8))

  constructor(worker: GuestWorker) {
    this.worker = worker
    worker.post({ type: 'idleWorkBoard', board: this.#board.buffer })
    worker.onEvent((event: WorkerEvent) => {
      if (event.type === 'hostCall') {
        const call = event as unknown as HostCallEvent
        this.#sandboxes.get(call.sid)?.onHostCall(call)
      } else if (event.type === 'output') {
        const output = event as unknown as OutputEvent
        this.#sandboxes.get(output.sid)?.onOutput(output)
      }
    })
    worker.onExit(() => {
      for (const sandbox of this.#sandboxes.values()) sandbox.onWorkerLost()
      this.#sandboxes.clear()
    })
  }

  get closed(): boolean {
    return this.worker.closed
  }

  /** Placement cost: busy workers first avoided, then ones doing idle work, then crowded ones. */
  get load(): number {
    return this.#reserved * 1_000_000 + Atomics.load(this.#board, 0) * 1_000 + this.#sandboxes.size
  }

  /** Runs placed on this worker and not ended yet. */
  get reservedRuns(): number {
    return this.#reserved
  }

  /**
   * Counts a run on this worker until the returned release is called (once; later calls do nothing), so
   * placement sees the worker busy from the turn it was chosen.
   */
  reserve(): () => void {
    this.#reserved++
    let held = true
    return () => {
      if (held) this.#reserved--
      held = false
    }
  }

  /** True while the guest code of run `token` is executing in the worker (not waiting, not queued). */
  isRunning(token: number): boolean {
    return Atomics.load(this.#board, RUNNING_SLOT) === token
  }

  attach(sid: number, sandbox: HostedSandbox): void {
    this.#sandboxes.set(sid, sandbox)
  }

  detach(sid: number): void {
    this.#sandboxes.delete(sid)
  }
}
