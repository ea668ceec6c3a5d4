/**
 * A QuickJS sandbox, host side. Its state lives in a guest worker; this object sends runs there and keeps
 * the wall-clock guarantee: if the worker does not answer shortly after the deadline (a long built-in
 * ignores QuickJS's interrupt), the worker is terminated and the run reports 'timeout'.
 *
 * Isolation: the guest sees only what the prelude gives it (console, timers, input, fetch through the
 * policy, host functions as JSON-in/JSON-out). It does not protect against a guest using its whole budget.
 * When a worker has to be terminated for one sandbox's run, the other sandboxes on it are rebuilt on a new
 * worker from the image and folder copy each kept after its last run or file operation (snapshot-state.ts);
 * one whose state could not be kept (over MAX_IMAGE_BYTES or the image budget) loses it, and its next run
 * or file operation reports it (ERR_SANDBOX_RESET). The sandbox whose own run was stopped keeps its folder
 * as it was before that run, and starts with fresh globals like after any limit.
 *
 * Snapshots (issue 19): the state, taken by the worker after the runs before it, or the kept copy for a
 * fork; a sandbox made from one is placed at its first run or file operation like any other, rebuilt there.
 *
 * Here: the sandbox's runs in order and their hard stop, its events and its closing. Its state is a
 * SandboxState (sandbox-state.ts) that its parts share: placement in a worker (sandbox-placement.ts), a run
 * attempt (sandbox-attempt.ts), a folder call (sandbox-folder-call.ts), a snapshot (sandbox-snapshot.ts).
 */
import { SandboxClosedError } from '../../errors.js'
import { Closing } from '../../lifecycle/closing.js'
import type { ExecResult } from '../../types.js'
import {
  TIER_LANGUAGES,
  type NormalizedRequest,
  type RunContext,
  type TierSandbox,
  type TierSnapshot,
} from '../tier.js'
import { ActiveRun } from './active-run.js'
import type { HostCallEvent, OutputEvent } from './protocol.js'
import { HardStop } from './hard-stop.js'
import type { HostedSandbox } from './quickjs-host.js'
import { endedResult, runEnd } from './run-result.js'
import { QuickJsFiles } from './folder-files.js'
import { SandboxState, type QuickJsSandboxDeps } from './sandbox-state.js'
import { attemptRun } from './sandbox-attempt.js'
import { callFolder, isFolderIdle } from './sandbox-folder-call.js'
import { probeRestored, takeSnapshot } from './sandbox-snapshot.js'

export type { QuickJsSandboxDeps } from './sandbox-state.js'

export class QuickJsSandbox extends Closing implements TierSandbox, HostedSandbox {
  readonly tier = 'quickjs' as const
  readonly languages = TIER_LANGUAGES.quickjs
  readonly #state: SandboxState
  #active: ActiveRun | undefined
  #cancelActive: (() => void) | undefined
  /** The sandbox's folder (folder-files.ts), in its worker; usable before the first run. */
  readonly files: QuickJsFiles

  constructor(deps: QuickJsSandboxDeps) {
    super('quickjs sandbox')
    const state = new SandboxState(deps, this)
    this.#state = state
    this.files = new QuickJsFiles(
      (message) => callFolder(state, message, this.closed),
      () => isFolderIdle(state),
    )
  }

  /** Runs are serialized per sandbox: a second execute() waits for the first. */
  execute(request: NormalizedRequest, context: RunContext = {}): Promise<ExecResult> {
    if (this.closed) return Promise.reject(new SandboxClosedError('quickjs sandbox'))
    const state = this.#state
    state.runsQueued++
    const result = state.enqueue(() => this.#execute(request, context))
    void state.queue.then(() => state.runsQueued--)
    return result
  }

  async #execute(request: NormalizedRequest, context: RunContext): Promise<ExecResult> {
    const state = this.#state
    if (state.released) throw new SandboxClosedError('quickjs sandbox')
    const started = performance.now()
    if (this.closed) return endedResult('cancelled', started, request.timeoutMs)
    const { deps } = state
    const active = new ActiveRun(deps.config, deps.createFetch, context.onSideEffect)
    this.#active = active
    const stop = new HardStop({
      cancelBoard: deps.cancelBoard,
      sid: deps.sid,
      timeoutMs: runEnd(request, context, started) - started,
    })
    request.signal?.addEventListener('abort', stop.cancel, { once: true })
    if (request.signal?.aborted) stop.cancel()
    this.#cancelActive = stop.cancel
    // Once this run ended its stop is disposed: a late cancel must not reach the next run or re-arm it.
    context.onCancelable?.(() => {
      if (this.#cancelActive === stop.cancel) stop.cancel()
    })
    try {
      // A second attempt only follows the loss of the worker to another's run (worker-loss-retry.ts).
      for (let attempt = 0; ; attempt++) {
        const run = { request, context, started, active, stop, attempt }
        const outcome = await attemptRun(state, run)
        if (outcome !== 'retry') return outcome
      }
    } finally {
      if (stop.terminatedWorker && !state.isolated) {
        state.isolated = true
        deps.onIsolated()
      }
      stop.dispose()
      request.signal?.removeEventListener('abort', stop.cancel)
      active.end()
      this.#active = undefined
      this.#cancelActive = undefined
    }
  }

  /**
   * The sandbox's state for a snapshot or a fork, after the runs and file operations before it. `local`
   * (a fork in this process): the kept copy does when it is current, without asking the worker.
   * @throws SnapshotError ('unsupported', 'state-lost'); SandboxClosedError once closed.
   */
  snapshot(options: { local?: boolean } = {}): Promise<TierSnapshot> {
    if (this.closed) return Promise.reject(new SandboxClosedError('quickjs sandbox'))
    const local = options.local === true
    return this.#state.enqueue(() => takeSnapshot(this.#state, local, () => this.closed))
  }

  /**
   * Places a sandbox made from a snapshot now and checks that its state was written (restore checks bytes
   * from elsewhere before it hands the sandbox out).
   * @throws SnapshotError 'foreign-version' (another ready image) or 'unsupported'.
   */
  probe(): Promise<void> {
    return probeRestored(this.#state)
  }

  onHostCall(event: HostCallEvent): void {
    const active = this.#active
    const host = this.#state.host
    if (!active || !host) return
    const { sid } = this.#state.deps
    active.answer(event, (replyJson) =>
      host.worker.post({ type: 'hostReply', sid, callId: event.callId, replyJson }),
    )
  }

  /**
   * Streamed output of a run. The worker posts a run's output before its reply, so all of it arrives while
   * the attempt is current; a given-up run's late output (its worker went on with it) goes nowhere.
   */
  onOutput(event: OutputEvent): void {
    const streaming = this.#state.streaming
    if (streaming?.token !== event.token) return
    streaming.sent = true
    for (const { stream, text } of event.pieces) streaming.onOutput(stream, text)
  }

  onWorkerLost(): void {
    this.#state.lost = true
    this.#state.host = undefined
  }

  /** Ends a run in progress with 'cancelled', then frees the sandbox in its worker. */
  protected async onClose(): Promise<void> {
    const state = this.#state
    this.#cancelActive?.()
    await state.queue
    state.kept.release()
    const host = state.host
    if (host && !host.closed) {
      host.detach(state.deps.sid)
      if (!state.released) host.worker.post({ type: 'destroy', sid: state.deps.sid })
    }
    state.host = undefined
    // Its folder went with it: a closed sandbox's folder reads as empty (folder-files.ts).
    state.folderInUse = false
    state.abandoned = undefined
  }
}
