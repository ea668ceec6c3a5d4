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
 */
import { WASM_PAGE_BYTES, secretPlaceholders, type ResolvedConfig } from '../../config.js'
import { SandboxClosedError, SandboxError, SnapshotError } from '../../errors.js'
import { Closing } from '../../lifecycle/closing.js'
import type { ExecResult, ExecStatus } from '../../types.js'
import { WorkerGoneError } from '../guest-worker.js'
import {
  TIER_LANGUAGES,
  type NormalizedRequest,
  type RunContext,
  type TierSandbox,
  type TierSnapshot,
} from '../tier.js'
import { ActiveRun, type CreateRunFetch } from './active-run.js'
import type {
  CreateMessage,
  ExecMessage,
  ExecReply,
  HostCallEvent,
  OutputEvent,
  ProbeReply,
  SnapshotReply,
} from './protocol.js'
import { HardStop } from './hard-stop.js'
import type { ImageBudget } from './image-budget.js'
import { KeptState } from './snapshot-state.js'
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
  /** The tier's build (TierSnapshot.build). */
  build: string
  /** A snapshot's state to start from (restore, fork) instead of a fresh one. */
  initial?: TierSnapshot
}

let nextToken = 1

type StreamListener = NonNullable<NormalizedRequest['onOutput']>

export class QuickJsSandbox extends Closing implements TierSandbox, HostedSandbox {
  readonly tier = 'quickjs' as const
  readonly languages = TIER_LANGUAGES.quickjs
  readonly #deps: QuickJsSandboxDeps
  #host: QuickJsHost | undefined
  #active: ActiveRun | undefined
  #queue: Promise<unknown> = Promise.resolve()
  /** The memory image and folder copy, for a rebuild or a fork. */
  readonly #kept: KeptState
  /** The worker holding the sandbox was lost: its state must be rebuilt from #kept before the next run. */
  #lost = false
  /** The kept state is a snapshot's, not yet written into a worker (CreateMessage.restore). */
  #restoring: { baselineId: string } | undefined
  /** The worker freed the guest with the reply of a last run (RunContext.lastRun). */
  #released = false
  /** The token of a run given up on (abandoned) whose reply has not arrived yet. */
  #abandoned: number | undefined
  /** A run of this sandbox had its worker terminated: it lives apart from other tenants from then on. */
  #isolated = false

  #cancelActive: (() => void) | undefined
  /** The folder (in the worker) holds files: a file operation must ask the worker. */
  #folderInUse = false
  /** Runs asked for and not ended: a folder operation waits for them. */
  #runsQueued = 0
  /** The sandbox's folder (folder-files.ts), in its worker; usable before the first run. */
  readonly files = new QuickJsFiles(
    (message) => this.#filesCall(message),
    () => this.#runsQueued === 0 && !this.#folderInUse && this.#abandoned === undefined,
  )
  /** The attempt whose output goes to its request's onOutput now; output of any other token is dropped. */
  #streaming: { token: number; onOutput: StreamListener; sent: boolean } | undefined

  constructor(deps: QuickJsSandboxDeps) {
    super('quickjs sandbox')
    this.#deps = deps
    this.#kept = new KeptState(deps.imageBudget)
    const initial = deps.initial
    if (initial) {
      this.#kept.setMemory(initial.memory ?? 'fresh')
      this.#kept.resetFolder(initial.folder)
      this.#folderInUse = initial.folder.length > 0
      // Built where it is first placed, as after the loss of a worker.
      this.#lost = true
      this.#restoring = { baselineId: initial.baselineId }
    }
  }

  /**
   * Places the sandbox in a worker at its first run (so it lands on a worker that is not busy), and again
   * after its worker was lost, rebuilt there from its image. The create message needs no reply: the run's
   * message follows it, and a failed creation (or restore) fails that run. One reply per run means one
   * wake-up of the host thread, not two. The worker comes reserved for the run.
   */
  async #place(rebuild: Pick<CreateMessage, 'image' | 'folder'>): Promise<Placement> {
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
    if (rebuild.image) create.image = rebuild.image
    if (rebuild.folder && rebuild.folder.length > 0) create.folder = rebuild.folder
    if (this.#restoring) create.restore = this.#restoring
    if (config.network.secrets.length > 0) create.env = secretPlaceholders(config.network.secrets)
    host.worker.post(create)
    return placement
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
    const active = new ActiveRun(this.#deps.config, this.#deps.createFetch, context.onSideEffect)
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
      if (!this.#kept.folderKnown) message.folderFull = true
      if (request.onOutput) {
        message.stream = true
        this.#streaming = { token, onOutput: request.onOutput, sent: false }
      }
      const call = host.worker.call<ExecReply>(message)
      context.onRunning?.()
      void call.then((late) => {
        stop.settled()
        // Every reply's folder changes, in the order they come (the worker answers in order).
        this.#kept.applyFolder(late.folder)
        // The image a reply carries holds what the restore bound: a rebuild needs no restore any more.
        if (late.image) this.#restoring = undefined
        // The worker runs a sandbox's runs in order, so a given-up run's reply still comes before the next
        // run's: its image is the state the next run starts from.
        if (this.#abandoned === token) {
          this.#abandoned = undefined
          this.#kept.setMemory(late.image ?? undefined)
          this.#folderInUse = late.folderInUse ?? this.#folderInUse
        }
      }, stop.settled)
      const reply = await Promise.race([call, stop.abandoned])
      // A reply means the worker ran the exec to its end, and so freed the guest if it was the last run;
      // an abandoned last run is freed by the worker when it reaches it. A last run that left files keeps
      // its guest for the manager's listing of out/ until close() (the worker keeps it; folder-seat.ts).
      if (context.lastRun && (typeof reply === 'string' || !reply.folderInUse))
        this.#released = true
      if (typeof reply === 'string') {
        // A run given up before the worker started it never starts: the state is as before. One that
        // started ends in the worker by the same limit, which resets the sandbox like any limit: fresh,
        // until its late reply (which the worker sends before the next run's) gives the exact image.
        if (stop.mayHaveStarted) {
          this.#kept.setMemory('fresh')
          this.#abandoned = token
        }
        return endedResult(reply, started, request.timeoutMs, active)
      }
      this.#kept.setMemory(reply.image ?? undefined)
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
        stateKnown: this.#kept.known,
      })
      // Output the caller already saw would come twice from a re-run: like a host call, it was seen outside.
      const seen = this.#streaming?.token === token && this.#streaming.sent
      if (stop.endedBy === undefined && retry && !seen) return 'retry'
      // Its result says the run was lost; like any run ended by a limit, the next one starts fresh (its
      // folder as the last reply left it).
      this.#kept.setMemory('fresh')
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
    const kept = this.#kept
    const known = !this.#lost || kept.known
    const memory = this.#lost ? kept.memory : 'fresh'
    const folder = this.#lost ? kept.folder : []
    this.#lost = false
    if (!known) {
      kept.setMemory('fresh')
      kept.resetFolder()
      this.#restoring = undefined
    }
    this.#folderInUse = known && (folder?.length ?? 0) > 0
    const image = known && typeof memory === 'object' ? memory : undefined
    // A booting worker does not hold the process (an idle worker never should): the placement does, or a
    // script whose first call is a file operation or a restore would exit while its worker boots.
    const hold = setInterval(() => undefined, 60_000)
    let placement: Placement
    try {
      placement = await this.#place(known ? { image, folder } : {})
    } finally {
      clearInterval(hold)
    }
    if (known) return placement
    placement.release()
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
        if (!this.#kept.folderKnown) files.folderFull = true
        const reply = await placement.host.worker.call<FilesReply>(files)
        this.#kept.applyFolder(reply.folder)
        this.#folderInUse = reply.folderInUse
        return reply
      } finally {
        placement.release()
      }
    })
    this.#queue = result.catch(() => undefined)
    return result
  }

  /**
   * The sandbox's state for a snapshot or a fork, after the runs and file operations before it. `local`
   * (a fork in this process): the kept copy does when it is current, without asking the worker.
   * @throws SnapshotError ('unsupported', 'state-lost'); SandboxClosedError once closed.
   */
  snapshot(options: { local?: boolean } = {}): Promise<TierSnapshot> {
    if (this.closed) return Promise.reject(new SandboxClosedError('quickjs sandbox'))
    const result = this.#queue.then(() => this.#snapshot(options.local === true))
    this.#queue = result.catch(() => undefined)
    return result
  }

  async #snapshot(local: boolean): Promise<TierSnapshot> {
    if (this.#released || this.closed) throw new SandboxClosedError('quickjs sandbox')
    const kept = this.#kept
    const { memory, folder } = kept
    const base = {
      tier: 'quickjs' as const,
      build: this.#deps.build,
      memoryLimitBytes: this.#deps.config.memoryLimitBytes,
    }
    // Never placed (and no snapshot to write in): a fresh sandbox with an empty folder.
    const placed = this.#host !== undefined || this.#lost
    if (!placed) return { ...base, baselineId: '', memory: undefined, folder: [] }
    if (local && this.#abandoned === undefined && memory !== undefined && folder !== undefined)
      return {
        ...base,
        baselineId: this.#restoring?.baselineId ?? '',
        memory: memory === 'fresh' ? undefined : memory,
        folder,
      }
    const placement = await this.#reserve()
    if (placement === 'state lost') throw stateLost()
    try {
      const reply = await placement.host.worker.call<SnapshotReply>({
        type: 'snapshot',
        sid: this.#deps.sid,
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
   * Places a sandbox made from a snapshot now and checks that its state was written (restore checks bytes
   * from elsewhere before it hands the sandbox out).
   * @throws SnapshotError 'foreign-version' (another ready image) or 'unsupported'.
   */
  async probe(): Promise<void> {
    const placement = await this.#reserve()
    if (placement === 'state lost') throw stateLost()
    try {
      const reply = await placement.host.worker.call<ProbeReply>({
        type: 'probe',
        sid: this.#deps.sid,
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
    this.#kept.release()
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

function stateLost(): SnapshotError {
  return new SnapshotError(
    'state-lost',
    'The sandbox lost its state because its worker was terminated; it has been reset',
  )
}
