/**
 * The host's guarantee that a quickjs run ends on time, whatever its guest does: at the deadline (or shortly
 * after a cancel) the run's token is cancelled, which stops it cooperatively at its next interrupt check.
 * If the worker does not answer within the grace period and this run's guest code is what the worker is
 * executing (a long built-in ignores the interrupt), the worker is terminated. If the run merely waits —
 * behind another sandbox's run, or for a host reply — it is abandoned where it is: it ends now and the
 * worker and every other sandbox on it are untouched (issue 22). An abandoned run that starts anyway is
 * still watched, and its worker terminated if it is then found executing.
 */
import type { ExecStatus } from '../../types.js'
import { cancelSlot, startSlot } from './protocol.js'
import type { QuickJsHost } from './quickjs-host.js'

/** Time the worker gets past the deadline to stop cooperatively before it is terminated. */
export const HARD_STOP_GRACE_MS = 100

export class HardStop {
  /** Why the host ended the run, if it did; the first reason wins. */
  endedBy: ExecStatus | undefined
  /** This run's guest code had to be ended by terminating its worker. */
  terminatedWorker = false
  /** Settles with the status when the run is abandoned (it never rejects). */
  readonly abandoned: Promise<ExecStatus>
  readonly #abandon: (status: ExecStatus) => void
  readonly #cancelBoard: Int32Array
  readonly #sid: number
  #target: { host: QuickJsHost; token: number } | undefined
  readonly #deadline: NodeJS.Timeout
  #cancelTimer: NodeJS.Timeout | undefined
  #watch: NodeJS.Timeout | undefined

  constructor(options: { cancelBoard: Int32Array; sid: number; timeoutMs: number }) {
    this.#cancelBoard = options.cancelBoard
    this.#sid = options.sid
    let abandon: (status: ExecStatus) => void = () => undefined
    this.abandoned = new Promise<ExecStatus>((resolve) => (abandon = resolve))
    this.#abandon = abandon
    this.#deadline = setTimeout(() => this.#fire('timeout'), options.timeoutMs + HARD_STOP_GRACE_MS)
  }

  /** The attempt now in flight: its worker and token. A run already ended is cancelled at once. */
  aim(host: QuickJsHost, token: number): void {
    this.#target = { host, token }
    if (this.endedBy !== undefined) Atomics.store(this.#cancelBoard, cancelSlot(token), token)
  }

  /** The caller's abort: ask the run to stop now, and hard-stop it after the grace period. */
  readonly cancel = (): void => {
    const target = this.#target
    if (target) {
      Atomics.store(this.#cancelBoard, cancelSlot(target.token), target.token)
      target.host.worker.post({ type: 'cancel', sid: this.#sid })
    }
    this.#cancelTimer ??= setTimeout(() => this.#fire('cancelled'), HARD_STOP_GRACE_MS)
  }

  /**
   * False only when the run was given up and the worker had not started it: it never will (see startSlot),
   * so the sandbox's state is as before it.
   */
  get mayHaveStarted(): boolean {
    const target = this.#target
    if (!target || this.endedBy === undefined) return true
    return Atomics.load(this.#cancelBoard, startSlot(target.token)) === target.token
  }

  /** The run ended for the caller: its deadline and cancel timers are disarmed (a watch goes on). */
  dispose(): void {
    clearTimeout(this.#deadline)
    clearTimeout(this.#cancelTimer)
  }

  /** The worker answered the attempt (or is gone): nothing of it is left to watch. */
  readonly settled = (): void => {
    clearInterval(this.#watch)
  }

  #fire(status: ExecStatus): void {
    this.endedBy ??= status
    const target = this.#target
    if (target) Atomics.store(this.#cancelBoard, cancelSlot(target.token), target.token)
    if (target?.host.isRunning(target.token)) {
      this.terminatedWorker = true
      void target.host.worker.terminate()
      return
    }
    this.#abandon(this.endedBy)
    this.#watch ??= setInterval(() => {
      const t = this.#target
      if (t?.host.isRunning(t.token)) {
        this.terminatedWorker = true
        void t.host.worker.terminate()
      }
    }, HARD_STOP_GRACE_MS)
    this.#watch.unref()
  }
}
