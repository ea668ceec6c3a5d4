/**
 * A QuickJS sandbox, host side. Its state lives in a guest worker; this object sends runs there and keeps
 * the wall-clock guarantee: if the worker does not answer shortly after the deadline (a long built-in
 * ignores QuickJS's interrupt), the worker is terminated and the run reports 'timeout'.
 *
 * Isolation: the guest sees only what the prelude gives it (console, timers, input, fetch through the
 * policy, host functions as JSON-in/JSON-out). It does not protect against a guest using its whole budget.
 * Sandboxes in a worker that had to be terminated lose their REPL state; their next run reports it.
 */
import type { ResolvedConfig } from '../../config.js'
import { SandboxClosedError } from '../../errors.js'
import { emptyUsage, type ExecResult, type ExecStatus, type ResultError } from '../../types.js'
import { WorkerGoneError } from '../guest-worker.js'
import type { NormalizedRequest, TierSandbox } from '../tier.js'
import { answerHostCall, type GuestFetch } from './host-calls.js'
import { cancelSlot, type ExecMessage, type ExecReply, type HostCallEvent } from './protocol.js'
import type { HostedSandbox, QuickJsHost } from './quickjs-host.js'
import { cancelledError, timeoutError } from '../../limits/limit-errors.js'
import { workerLostError } from './run-errors.js'

/** Time the worker gets past the deadline to stop cooperatively before it is terminated. */
export const HARD_STOP_GRACE_MS = 100

const WASM_PAGE = 65536

export interface QuickJsSandboxDeps {
  sid: number
  config: ResolvedConfig
  /** A worker to live in, reserved (its `busy` count taken) for the run that asked: at the first run, and again after the worker was lost. */
  place: () => Promise<QuickJsHost>
  /** Builds the host side of the guest's fetch for one run, with its usage meter. */
  createFetch: (config: ResolvedConfig) => {
    fetch: GuestFetch
    usage: () => Partial<ExecResult['usage']>
  }
  /** Shared with the workers: writing a run's token here interrupts it even while it runs synchronously. */
  cancelBoard: Int32Array
}

let nextToken = 1

// The controller and the metered fetch are made at the run's first host call: most runs make none, and
// building them (a NetworkPolicy, an AbortSignal whose abort makes a DOMException) cost more than the run.
interface ActiveRun {
  controller: AbortController | undefined
  /** Why the host ended the run, if it did (decides the status when the worker is gone). */
  endedBy: ExecStatus | undefined
  net: ReturnType<QuickJsSandboxDeps['createFetch']> | undefined
  hostCalls: number
}

export class QuickJsSandbox implements TierSandbox, HostedSandbox {
  readonly tier = 'quickjs' as const
  readonly languages = ['javascript', 'typescript'] as const
  readonly #deps: QuickJsSandboxDeps
  #host: QuickJsHost | undefined
  #active: ActiveRun | undefined
  #queue: Promise<unknown> = Promise.resolve()
  #lostState = false
  #closed = false
  /** The worker freed the guest with the reply of a last run (NormalizedRequest.lastRun). */
  #released = false

  constructor(deps: QuickJsSandboxDeps) {
    this.#deps = deps
  }

  /**
   * Places the sandbox in a worker at its first run (so it lands on a worker that is not busy), and again
   * after its worker was lost. The create message needs no reply: the run's message follows it, and a
   * failed creation fails that run. One reply per run means one wake-up of the host thread, not two.
   */
  async #place(): Promise<void> {
    const host = await this.#deps.place()
    this.#host = host
    host.attach(this.#deps.sid, this)
    const { config, sid } = this.#deps
    host.worker.post({
      type: 'create',
      sid,
      maxPages: Math.floor(config.memoryLimitBytes / WASM_PAGE),
      memoryLimitBytes: config.memoryLimitBytes,
      hostFunctionNames: Object.keys(config.hostFunctions),
    })
  }

  /** Runs are serialized per sandbox: a second execute() waits for the first. */
  execute(request: NormalizedRequest): Promise<ExecResult> {
    if (this.#closed) return Promise.reject(new SandboxClosedError('quickjs sandbox'))
    const result = this.#queue.then(() => this.#execute(request))
    this.#queue = result.catch(() => undefined)
    return result
  }

  async #execute(request: NormalizedRequest): Promise<ExecResult> {
    if (this.#released) throw new SandboxClosedError('quickjs sandbox')
    const started = performance.now()
    if (this.#closed) return this.#result('cancelled', started, cancelledError())
    let reserved = false
    if (!this.#host || this.#host.closed) {
      const lost = this.#lostState
      await this.#place()
      reserved = true
      if (lost) {
        if (this.#host) this.#host.busy--
        this.#lostState = false
        return this.#result('crashed', started, {
          name: 'SandboxReset',
          message:
            'The sandbox lost its state because its worker was terminated; it has been reset',
          code: 'ERR_SANDBOX_RESET',
        })
      }
    }
    const host = this.#host as QuickJsHost
    const { config, sid } = this.#deps
    const active: ActiveRun = {
      controller: undefined,
      endedBy: undefined,
      net: undefined,
      hostCalls: 0,
    }
    this.#active = active
    const token = nextToken++
    // The hard stop ends this run only. If this run's guest code is what the worker is executing, the
    // worker is terminated; if the run merely waits (behind another sandbox's run, or for a host reply),
    // it is abandoned where it is: it ends now, its token is cancelled so it never starts, and the worker
    // and every other sandbox on it are untouched. An abandoned run that starts anyway is still watched.
    let abandon: ((status: ExecStatus) => void) | undefined
    const abandoned = new Promise<ExecStatus>((resolve) => (abandon = resolve))
    let watch: NodeJS.Timeout | undefined
    const hardStop = (status: ExecStatus, afterMs: number): NodeJS.Timeout =>
      setTimeout(() => {
        active.endedBy ??= status
        Atomics.store(this.#deps.cancelBoard, cancelSlot(token), token)
        if (host.isRunning(token)) {
          void host.worker.terminate()
          return
        }
        abandon?.(active.endedBy)
        watch ??= setInterval(() => {
          if (host.isRunning(token)) void host.worker.terminate()
        }, HARD_STOP_GRACE_MS)
        watch.unref()
      }, afterMs)
    const deadlineTimer = hardStop('timeout', request.timeoutMs + HARD_STOP_GRACE_MS)
    let cancelTimer: NodeJS.Timeout | undefined
    const onAbort = (): void => {
      Atomics.store(this.#deps.cancelBoard, cancelSlot(token), token)
      host.worker.post({ type: 'cancel', sid })
      cancelTimer ??= hardStop('cancelled', HARD_STOP_GRACE_MS)
    }
    request.signal?.addEventListener('abort', onAbort, { once: true })
    if (request.signal?.aborted) onAbort()
    this.#cancelActive = onAbort
    if (!reserved) host.busy++
    try {
      const message: ExecMessage = {
        type: 'exec',
        sid,
        token,
        code: request.code,
        language: request.language === 'typescript' ? 'typescript' : 'javascript',
        inputJson: request.input === undefined ? undefined : JSON.stringify(request.input),
        timeoutMs: request.timeoutMs,
        deadlineAt: performance.timeOrigin + started + request.timeoutMs,
        cpuTimeMs: Math.min(config.cpuTimeMs, request.cpuBudgetMs ?? Infinity),
        maxOutputBytes: config.maxOutputBytes,
      }
      if (request.lastRun) message.last = true
      const call = host.worker.call<ExecReply>(message)
      // The worker still holds the run until it replies: it stays counted on the worker until then.
      void call.then(
        () => clearInterval(watch),
        () => clearInterval(watch),
      )
      const reply = await Promise.race([call, abandoned])
      if (typeof reply === 'string') {
        if (request.lastRun) this.#released = true
        return this.#result(
          reply,
          started,
          statusError(reply, request.timeoutMs),
          active.net?.usage(),
          active.hostCalls,
        )
      }
      // A reply means the worker ran the exec to its end, and so freed the guest if it was the last run.
      if (request.lastRun) this.#released = true
      const result = this.#fromReply(reply, started, active, active.net?.usage())
      if (
        result.status === 'cpu' &&
        request.cpuBudgetMs !== undefined &&
        request.cpuBudgetMs < config.cpuTimeMs
      )
        result.error = {
          ...(result.error as ResultError),
          details: { budgetMs: request.cpuBudgetMs },
        }
      return result
    } catch (err) {
      if (!(err instanceof WorkerGoneError)) throw err
      // A run whose own limit had passed when its worker was lost (e.g. it waited behind a run stuck in a
      // built-in) timed out, whoever pulled the trigger.
      const overdue = performance.now() - started >= request.timeoutMs
      const status = active.endedBy ?? (overdue ? 'timeout' : 'crashed')
      return this.#result(
        status,
        started,
        statusError(status, request.timeoutMs),
        active.net?.usage(),
        active.hostCalls,
      )
    } finally {
      host.busy--
      clearTimeout(deadlineTimer)
      clearTimeout(cancelTimer)
      request.signal?.removeEventListener('abort', onAbort)
      active.controller?.abort()
      this.#active = undefined
      this.#cancelActive = undefined
    }
  }

  #cancelActive: (() => void) | undefined

  onHostCall(event: HostCallEvent): void {
    const active = this.#active
    const host = this.#host
    if (!active || !host) return
    active.hostCalls++
    const { config, createFetch } = this.#deps
    const controller = (active.controller ??= new AbortController())
    const context = {
      hostFunctions: config.hostFunctions,
      fetch: (request: unknown, signal: AbortSignal) =>
        (active.net ??= createFetch(config)).fetch(request, signal),
      signal: controller.signal,
    }
    void answerHostCall(event.name, event.argsJson, context).then((replyJson) => {
      if (!controller.signal.aborted)
        host.worker.post({
          type: 'hostReply',
          sid: this.#deps.sid,
          callId: event.callId,
          replyJson,
        })
    })
  }

  onWorkerLost(): void {
    if (!this.#active) this.#lostState = true
    this.#host = undefined
  }

  #fromReply(
    reply: ExecReply,
    started: number,
    active: ActiveRun,
    net: Partial<ExecResult['usage']> | undefined,
  ): ExecResult {
    const result = this.#result(reply.status, started, reply.error, net, active.hostCalls)
    result.stdout = reply.stdout
    result.stderr = reply.stderr
    if (reply.truncated) result.truncated = true
    result.usage.cpuMs = reply.cpuMs
    result.usage.memoryPeakBytes = reply.memoryPeakBytes
    if (reply.valueJson !== undefined) result.value = JSON.parse(reply.valueJson)
    return result
  }

  #result(
    status: ExecStatus,
    started: number,
    error?: ResultError,
    net: Partial<ExecResult['usage']> = {},
    hostCalls = 0,
  ): ExecResult {
    const durationMs = performance.now() - started
    const result: ExecResult = {
      status,
      stdout: '',
      stderr: '',
      exitCode: status === 'ok' ? 0 : 1,
      tier: 'quickjs',
      durationMs,
      usage: { ...emptyUsage(), ...net, wallMs: durationMs, hostCalls },
      escalations: [],
    }
    if (error) result.error = error
    return result
  }

  /** Ends a run in progress with 'cancelled', then frees the sandbox in its worker. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#cancelActive?.()
    await this.#queue
    const host = this.#host
    if (host && !host.closed) {
      host.detach(this.#deps.sid)
      if (!this.#released) host.worker.post({ type: 'destroy', sid: this.#deps.sid })
    }
    this.#host = undefined
  }
}

function statusError(status: ExecStatus, timeoutMs: number): ResultError {
  if (status === 'timeout') return timeoutError(timeoutMs)
  return status === 'cancelled' ? cancelledError() : workerLostError()
}
