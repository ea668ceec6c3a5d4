/**
 * A QuickJS sandbox, host side. Its state lives in a guest worker; this object sends runs there and keeps
 * the wall-clock guarantee: if the worker does not answer shortly after the deadline (a long built-in
 * ignores QuickJS's interrupt), the worker is terminated and the run reports 'timeout'.
 *
 * Isolation: the guest sees only what the prelude gives it (console, timers, input, fetch through the
 * policy, host functions as JSON-in/JSON-out). It does not protect against a guest using its whole budget.
 * When a worker has to be terminated for one sandbox's run, the other sandboxes on it are rebuilt on a new
 * worker from the image each kept after its last run (sandbox-image.ts); one whose image could not be kept
 * (over MAX_IMAGE_BYTES) loses its REPL state, and its next run reports it (ERR_SANDBOX_RESET).
 */
import { WASM_PAGE_BYTES, secretPlaceholders, type ResolvedConfig } from '../../config.js'
import { SandboxClosedError, SandboxError } from '../../errors.js'
import { Closing } from '../../lifecycle/closing.js'
import type { ExecResult, ExecStatus } from '../../types.js'
import { WorkerGoneError } from '../guest-worker.js'
import {
  TIER_LANGUAGES,
  type NormalizedRequest,
  type RunContext,
  type TierSandbox,
} from '../tier.js'
import { ActiveRun, type CreateRunFetch } from './active-run.js'
import type {
  CreateMessage,
  ExecMessage,
  ExecReply,
  HostCallEvent,
  OutputEvent,
} from './protocol.js'
import { HardStop } from './hard-stop.js'
import type { ImageBudget } from './image-budget.js'
import type { SandboxImage } from './sandbox-image.js'
import type { HostedSandbox, Placement, QuickJsHost } from './quickjs-host.js'
import { endedResult, replyResult, runEnd, stateLostResult } from './run-result.js'
import { mayRetryAfterWorkerLoss } from './worker-loss-retry.js'
import { emptyFolderReply, QuickJsFiles } from './folder-files.js'
import type { FilesReply } from './folder-messages.js'
import type { FilesMessage } from './protocol.js'

export interface QuickJsSandboxDeps {
  sid: number
  config: ResolvedConfig
  /**
   * A worker to live in, reserved for the run that asked: at the first run, and again after the worker was
   * lost. `isolated`: a sandbox whose run had its worker terminated gets a worker apart from the other
   * tenants from then on.
   */
  place: (isolated: boolean) => Promise<Placement>
  /** What the tier's sandbox images may hold together on the host. */
  imageBudget: ImageBudget
  /** Told once, when the sandbox moves to the isolation worker. */
  onIsolated: () => void
  /** Builds the host side of the guest's fetch for one run, with its usage meter. */
  createFetch: CreateRunFetch
  /** Shared with the workers: writing a run's token here interrupts it even while it runs synchronously. */
  cancelBoard: Int32Array
}

let nextToken = 1

type StreamListener = NonNullable<NormalizedRequest['onOutput']>

/**
 * What the sandbox's state is known to be between runs: 'fresh' (no run changed it), an image of it taken
 * after its last run, or unknown (no image could be kept, or a run ended without telling).
 */
type KnownState = 'fresh' | SandboxImage | undefined

export class QuickJsSandbox extends Closing implements TierSandbox, HostedSandbox {
  readonly tier = 'quickjs' as const
  readonly languages = TIER_LANGUAGES.quickjs
  readonly #deps: QuickJsSandboxDeps
  #host: QuickJsHost | undefined
  #active: ActiveRun | undefined
  #queue: Promise<unknown> = Promise.resolve()
  #state: KnownState = 'fresh'
  /** Host bytes the kept image takes, counted against the tier's ImageBudget. */
  #imageBytes = 0
  /** The worker holding the sandbox was lost: its state must be rebuilt from #state before the next run. */
  #lost = false
  /** The worker freed the guest with the reply of a last run (RunContext.lastRun). */
  #released = false
  /** The token of a run given up on (abandoned) whose reply has not arrived yet. */
  #abandoned: number | undefined
  /** A run of this sandbox had its worker terminated: it lives apart from other tenants from then on. */
  #isolated = false

  #cancelActive: (() => void) | undefined
  /**
   * The folder (in the worker) holds files: an image does not carry them, so a sandbox that loses its
   * worker meanwhile reports the reset (ERR_SANDBOX_RESET) rather than silently losing them.
   */
  #folderInUse = false
  /** Runs asked for and not ended: a folder operation waits for them. */
  #runsQueued = 0
  /** The sandbox's folder (folder-files.ts), in its worker; usable before the first run. */
  readonly files = new QuickJsFiles((message) => this.#filesCall(message))
  /** The attempt whose output goes to its request's onOutput now; output of any other token is dropped. */
  #streaming: { token: number; onOutput: StreamListener; sent: boolean } | undefined

  constructor(deps: QuickJsSandboxDeps) {
    super('quickjs sandbox')
    this.#deps = deps
  }

  /**
   * Places the sandbox in a worker at its first run (so it lands on a worker that is not busy), and again
   * after its worker was lost, rebuilt there from its image. The create message needs no reply: the run's
   * message follows it, and a failed creation (or restore) fails that run. One reply per run means one
   * wake-up of the host thread, not two. The worker comes reserved for the run.
   */
  async #place(image: SandboxImage | undefined): Promise<Placement> {
    const placement = await this.#deps.place(this.#isolated)
    const { host } = placement
    this.#host = host
    host.attach(this.#deps.sid, this)
    const { config, sid } = this.#deps
    const create: CreateMessage = {
      type: 'create',
      sid,
      maxPages: Math.floor(config.memoryLimitBytes / WASM_PAGE_BYTES),
      memoryLimitBytes: config.memoryLimitBytes,
      hostFunctionNames: Object.keys(config.hostFunctions),
      diskSpaceBytes: config.diskSpaceBytes,
    }
    if (image) create.image = image
    if (config.network.secrets.length > 0) create.env = secretPlaceholders(config.network.secrets)
    host.worker.post(create)
    return placement
  }

  /** Records what the sandbox's state is known to be; an image that does not fit the budget is not kept. */
  #setState(state: KnownState): void {
    const bytes = typeof state === 'object' ? state.bytes.byteLength + state.pages.byteLength : 0
    if (this.#deps.imageBudget.swap(this.#imageBytes, bytes)) {
      this.#state = state
      this.#imageBytes = bytes
    } else {
      this.#state = undefined
      this.#imageBytes = 0
    }
  }

  /** Runs are serialized per sandbox: a second execute() waits for the first. */
  execute(request: NormalizedRequest, context: RunContext = {}): Promise<ExecResult> {
    if (this.closed) return Promise.reject(new SandboxClosedError('quickjs sandbox'))
    this.#runsQueued++
    const result = this.#queue.then(() => this.#execute(request, context))
    this.#queue = result.catch(() => undefined)
    void this.#queue.then(() => this.#runsQueued--)
    return result
  }

  async #execute(request: NormalizedRequest, context: RunContext): Promise<ExecResult> {
    if (this.#released) throw new SandboxClosedError('quickjs sandbox')
    const started = performance.now()
    if (this.closed) return endedResult('cancelled', started, request.timeoutMs)
    const active = new ActiveRun(this.#deps.config, this.#deps.createFetch)
    this.#active = active
    const stop = new HardStop({
      cancelBoard: this.#deps.cancelBoard,
      sid: this.#deps.sid,
      timeoutMs: runEnd(request, context, started) - started,
    })
    request.signal?.addEventListener('abort', stop.cancel, { once: true })
    if (request.signal?.aborted) stop.cancel()
    this.#cancelActive = stop.cancel
    try {
      // A second attempt only follows the loss of the worker to another's run (worker-loss-retry.ts).
      for (let attempt = 0; ; attempt++) {
        const outcome = await this.#attempt(request, context, started, active, stop, attempt)
        if (outcome !== 'retry') return outcome
      }
    } finally {
      if (stop.terminatedWorker && !this.#isolated) {
        this.#isolated = true
        this.#deps.onIsolated()
      }
      stop.dispose()
      request.signal?.removeEventListener('abort', stop.cancel)
      active.end()
      this.#active = undefined
      this.#cancelActive = undefined
    }
  }

  async #attempt(
    request: NormalizedRequest,
    context: RunContext,
    started: number,
    active: ActiveRun,
    stop: HardStop,
    attempt: number,
  ): Promise<ExecResult | 'retry'> {
    const placement = await this.#reserve()
    if (placement === 'state lost') return stateLostResult(started)
    const { host, release } = placement
    const { config, sid } = this.#deps
    const token = nextToken++
    stop.aim(host, token)
    try {
      const message: ExecMessage = {
        type: 'exec',
        sid,
        token,
        code: request.code,
        language: request.language === 'typescript' ? 'typescript' : 'javascript',
        inputJson: request.input === undefined ? undefined : JSON.stringify(request.input),
        timeoutMs: request.timeoutMs,
        // An epoch time: the worker's performance clock has its own origin.
        deadlineAt: performance.timeOrigin + runEnd(request, context, started),
        cpuTimeMs: Math.min(config.cpuTimeMs, context.cpuBudgetMs ?? Infinity),
        maxOutputBytes: config.maxOutputBytes,
      }
      if (context.lastRun) message.last = true
      if (request.onOutput) {
        message.stream = true
        this.#streaming = { token, onOutput: request.onOutput, sent: false }
      }
      const call = host.worker.call<ExecReply>(message)
      void call.then((late) => {
        stop.settled()
        // The worker runs a sandbox's runs in order, so a given-up run's reply still comes before the next
        // run's: its image is the state the next run starts from.
        if (this.#abandoned === token) {
          this.#abandoned = undefined
          this.#setState(late.image ?? undefined)
          this.#folderInUse = late.folderInUse ?? this.#folderInUse
        }
      }, stop.settled)
      const reply = await Promise.race([call, stop.abandoned])
      // A reply means the worker ran the exec to its end, and so freed the guest if it was the last run;
      // an abandoned last run is freed by the worker when it reaches it. A last run that left files keeps
      // its guest for the manager's listing of out/ until close() (the worker keeps it; folder-seat.ts).
      if (context.lastRun && (typeof reply === 'string' || !reply.folderInUse)) this.#released = true
      if (typeof reply === 'string') {
        // A run given up before the worker started it never starts: the state is as before. One that
        // started ends in the worker by the same limit, which resets the sandbox like any limit: fresh,
        // until its late reply (which the worker sends before the next run's) gives the exact image.
        if (stop.mayHaveStarted) {
          this.#setState('fresh')
          this.#abandoned = token
        }
        return endedResult(reply, started, request.timeoutMs, active)
      }
      this.#setState(reply.image ?? undefined)
      this.#folderInUse = reply.folderInUse ?? this.#folderInUse
      return replyResult(reply, started, active)
    } catch (err) {
      if (!(err instanceof WorkerGoneError)) throw err
      // A run whose own limit had passed when its worker was lost (e.g. it waited behind a run stuck in a
      // built-in) timed out, whoever pulled the trigger.
      const overdue = performance.now() >= runEnd(request, context, started)
      const retry = mayRetryAfterWorkerLoss({
        attempt,
        overdue,
        wasExecuting: host.isRunning(token),
        hostCalls: active.hostCalls,
        stateKnown: this.#state !== undefined && !this.#folderInUse,
      })
      // Output the caller already saw would come twice from a re-run: like a host call, it was seen outside.
      const seen = this.#streaming?.token === token && this.#streaming.sent
      if (stop.endedBy === undefined && retry && !seen) return 'retry'
      // Its result says the run was lost; like any run ended by a limit, the next one starts fresh.
      this.#setState('fresh')
      const status: ExecStatus = stop.endedBy ?? (overdue ? 'timeout' : 'crashed')
      return endedResult(status, started, request.timeoutMs, active)
    } finally {
      if (this.#streaming?.token === token) this.#streaming = undefined
      release()
    }
  }

  /**
   * The sandbox's worker reserved for a run: the one it lives in, or a new one where it is placed (rebuilt
   * from its image after its worker was lost). 'state lost': placed fresh, but the run must not start as if
   * the state it expects were there.
   */
  async #reserve(): Promise<Placement | 'state lost'> {
    const host = this.#host
    if (host && !host.closed) return { host, release: host.reserve() }
    const state = this.#lost ? (this.#folderInUse ? undefined : this.#state) : 'fresh'
    this.#lost = false
    this.#folderInUse = false
    const placement = await this.#place(state === 'fresh' ? undefined : state)
    if (state !== undefined) return placement
    placement.release()
    this.#setState('fresh')
    return 'state lost'
  }

  /** A folder operation, after the runs before it (as a run waits), placing the sandbox if it is not yet. */
  #filesCall(message: Omit<FilesMessage, 'type' | 'sid'>): Promise<FilesReply> {
    // A folder known to be empty (no run or write left files, no run in progress or still running in the
    // worker) answers at once: the manager's listing of out/ around every run costs no message, no wait.
    // Also once closed: the folder of a closed sandbox is empty.
    const empty = (): boolean =>
      !this.#folderInUse && this.#abandoned === undefined && message.op !== 'write'
    if (this.#runsQueued === 0 && empty())
      return Promise.resolve(emptyFolderReply(message.op, message.path))
    if (this.closed) return Promise.reject(new SandboxClosedError('quickjs sandbox'))
    const result = this.#queue.then(async () => {
      if (empty()) return emptyFolderReply(message.op, message.path)
      if (this.#released) throw new SandboxClosedError('quickjs sandbox')
      const placement = await this.#reserve()
      if (placement === 'state lost')
        throw new SandboxError(
          'ERR_SANDBOX_RESET',
          'The sandbox lost its files because its worker was terminated; it has been reset',
        )
      try {
        const files: FilesMessage = { type: 'files', sid: this.#deps.sid, ...message }
        const reply = await placement.host.worker.call<FilesReply>(files)
        this.#folderInUse = reply.folderInUse
        return reply
      } finally {
        placement.release()
      }
    })
    this.#queue = result.catch(() => undefined)
    return result
  }

  onHostCall(event: HostCallEvent): void {
    const active = this.#active
    const host = this.#host
    if (!active || !host) return
    const { sid } = this.#deps
    active.answer(event, (replyJson) =>
      host.worker.post({ type: 'hostReply', sid, callId: event.callId, replyJson }),
    )
  }

  /**
   * Streamed output of a run. The worker posts a run's output before its reply, so all of it arrives while
   * the attempt is current; a given-up run's late output (its worker went on with it) goes nowhere.
   */
  onOutput(event: OutputEvent): void {
    const streaming = this.#streaming
    if (streaming?.token !== event.token) return
    streaming.sent = true
    for (const { stream, text } of event.pieces) streaming.onOutput(stream, text)
  }

  onWorkerLost(): void {
    this.#lost = true
    this.#host = undefined
  }

  /** Ends a run in progress with 'cancelled', then frees the sandbox in its worker. */
  protected async onClose(): Promise<void> {
    this.#cancelActive?.()
    await this.#queue
    this.#setState(undefined)
    const host = this.#host
    if (host && !host.closed) {
      host.detach(this.#deps.sid)
      if (!this.#released) host.worker.post({ type: 'destroy', sid: this.#deps.sid })
    }
    this.#host = undefined
    // Its folder went with it: a closed sandbox's folder reads as empty (folder-files.ts).
    this.#folderInUse = false
    this.#abandoned = undefined
  }
}
