/**
 * One Python sandbox: a REPL whose globals persist between runs. Its interpreter lives in the worker that ran
 * it last (kept warm there); the durable copy is here, as the pages that differ from the tier's image
 * (InterpreterState), so a run on any worker (that worker's interpreter dropped, or the worker terminated by
 * another sandbox's deadline) restores it. A limit outcome or a crash resets the interpreter to the image and
 * the result says so (`error.details.interpreterReset`). The folder is kept here too, like the wasm tier's.
 */
import { WASM_PAGE_BYTES, type ResolvedConfig } from '../../config.js'
import { SandboxClosedError, ValidationError } from '../../errors.js'
import { Closing } from '../../lifecycle/closing.js'
import { RunDeadline } from '../../limits/deadline.js'
import {
  crashedError,
  stopError,
  timeoutError,
  workerHeapError,
} from '../../limits/limit-errors.js'
import { execResult } from '../../limits/run-outcome.js'
import { emptyUsage, type ExecResult, type ResultError } from '../../types.js'
import { WorkerGoneError, type GuestWorker, type WorkerEvent } from '../guest-worker.js'
import {
  TIER_LANGUAGES,
  type NormalizedRequest,
  type RunContext,
  type TierSandbox,
} from '../tier.js'
import { CANCELLED, TIMED_OUT, raceDeadline } from '../wasm/race-deadline.js'
import { RunWatch } from '../wasm/run-watch.js'
import { WasiFolder } from '../wasm/wasi-disk-folder.js'
import type { OutputPiece } from '../wasm/protocol.js'
import type { InterpreterState, RunMessage, RunReply } from './protocol.js'
import type { PythonRuntime } from './python-runtime.js'

let nextSandboxId = 1
let nextToken = 1

type Reply = Exclude<RunReply, { needState: true }>

export class PythonSandbox extends Closing implements TierSandbox {
  readonly tier = 'pywasm' as const
  readonly languages = TIER_LANGUAGES.pywasm
  readonly files: WasiFolder
  readonly #config: ResolvedConfig
  readonly #runtime: PythonRuntime
  readonly #id = nextSandboxId++
  readonly #cancelRuns = new AbortController()
  /** The interpreter between runs; null: the image's (a new or reset sandbox). */
  #state: InterpreterState | null = null
  #generation = 0
  /** The worker that holds the live interpreter of `#generation`, if any. */
  #holder: GuestWorker | undefined

  constructor(config: ResolvedConfig, runtime: PythonRuntime) {
    super('pywasm sandbox')
    this.#config = config
    this.#runtime = runtime
    this.files = new WasiFolder(config.diskSpaceBytes)
  }

  /** Bytes the host keeps for the interpreter between runs (its pages that differ from the image). */
  get stateBytes(): number {
    return this.#state === null ? 0 : this.#state.pages.byteLength + this.#state.indices.byteLength
  }

  execute(request: NormalizedRequest, context: RunContext = {}): Promise<ExecResult> {
    if (this.closed) return Promise.reject(new SandboxClosedError('pywasm sandbox'))
    return this.track(this.#execute(request, context))
  }

  async #execute(request: NormalizedRequest, context: RunContext): Promise<ExecResult> {
    const started = performance.now()
    const elapsed = (): number => performance.now() - started
    const deadline = new RunDeadline(request.timeoutMs, { notAfterMs: context.notAfterMs })
    const requestJson = toRequestJson(request.input, this.#config.maxOutputBytes)
    if (request.signal?.aborted === true) return this.#stopped('cancelled', elapsed())
    // The manager's own stop for this run (a hedge's loser); a controller only when it asks for one.
    const own = context.onCancelable && new AbortController()
    if (own) context.onCancelable?.(() => own.abort())
    const cancel = anySignal(anySignal(request.signal, own?.signal), this.#cancelRuns.signal)
    // The deadline counts from the start, waiting for a worker included: with every worker busy, a run that
    // gets none in time ends 'timeout' without running (never limit × queue). A worker that comes after this
    // run gave up goes back to the lease, untouched.
    const leased = this.#runtime.acquire()
    const got = await raceDeadline(leased, cancel, deadline.remaining())
    if (got === CANCELLED || got === TIMED_OUT) {
      leased.then(
        (w) => this.#runtime.lease.release(w, true),
        () => undefined,
      )
      return this.#stopped(
        got === CANCELLED ? 'cancelled' : 'timeout',
        elapsed(),
        request.timeoutMs,
      )
    }
    const worker = got
    let reusable = false
    const stdout: string[] = []
    const stderr: string[] = []
    const token = nextToken++
    const watch = new RunWatch({
      timeoutMs: Math.max(1, deadline.remaining()),
      cpuTimeMs: context.cpuBudgetMs ?? this.#config.cpuTimeMs,
      signals: [cancel],
      onStop: () => void worker.terminate(),
    })
    const unsubscribe = worker.onEvent((event: WorkerEvent) => {
      if (event.type !== 'output' || event['token'] !== token) return
      for (const { stream, text } of event['pieces'] as OutputPiece[]) {
        ;(stream === 'stderr' ? stderr : stdout).push(text)
        request.onOutput?.(stream, text)
      }
    })
    const keep = context.lastRun !== true
    const message: RunMessage = {
      type: 'run',
      sandboxId: this.#id,
      generation: this.#generation,
      state: this.#holder === worker ? undefined : this.#state,
      code: request.code,
      requestJson,
      stdin:
        typeof request.stdin === 'string'
          ? Buffer.from(request.stdin)
          : (request.stdin ?? new Uint8Array(0)),
      maxOutputBytes: this.#config.maxOutputBytes,
      memoryLimitPages: Math.floor(this.#config.memoryLimitBytes / WASM_PAGE_BYTES),
      diskSpaceBytes: this.#config.diskSpaceBytes,
      folder: this.files.snapshot(),
      keep,
      token,
    }
    if (request.onOutput) message.stream = true
    try {
      const call = worker.call<RunReply>(message)
      // Handed to its worker: a hedge's probe counts from here, not from a worker's boot.
      context.onRunning?.()
      let reply = await call
      if (reply.needState === true)
        reply = await worker.call<RunReply>({ ...message, state: this.#state })
      if (reply.needState === true)
        throw new Error('the worker asked twice for the interpreter state')
      reusable = true
      this.#settle(reply, keep ? worker : undefined)
      if (reply.folder) this.files.replace(reply.folder)
      stdout.push(reply.stdout)
      stderr.push(reply.stderr)
      return execResult({
        tier: 'pywasm',
        status: reply.status,
        value: reply.value,
        stdout: stdout.join(''),
        stderr: stderr.join(''),
        exitCode: reply.exitCode,
        durationMs: elapsed(),
        usage: { cpuMs: reply.cpuMs, memoryPeakBytes: reply.memoryPeakBytes },
        error: reply.reset ? withReset(reply.error) : reply.error,
        truncated: reply.truncated,
      })
    } catch (error) {
      // The worker is gone with whatever interpreters it held; this sandbox's goes back to the image.
      this.#reset()
      const reason = watch.reason
      const limits = {
        timeoutMs: request.timeoutMs,
        cpuTimeMs: context.cpuBudgetMs ?? this.#config.cpuTimeMs,
        maxOutputBytes: this.#config.maxOutputBytes,
      }
      const heap = error instanceof WorkerGoneError && isOutOfMemory(error)
      const status = reason ?? (heap ? 'memory' : 'crashed')
      const resultError =
        reason !== undefined
          ? stopError(reason, limits)
          : heap
            ? workerHeapError()
            : crashedError('The Python guest worker stopped unexpectedly')
      return execResult({
        tier: 'pywasm',
        status,
        stdout: stdout.join(''),
        stderr: stderr.join(''),
        durationMs: elapsed(),
        usage: { ...emptyUsage(), cpuMs: elapsed() },
        error: withReset(resultError),
      })
    } finally {
      watch.dispose()
      unsubscribe()
      this.#runtime.lease.release(worker, reusable)
    }
  }

  #settle(reply: Reply, holder: GuestWorker | undefined): void {
    if (reply.reset) return this.#reset()
    if (reply.state === undefined) return
    // The worker keeps the interpreter under the next generation; this is its durable copy.
    this.#state = reply.state
    this.#generation += 1
    this.#holder = holder
  }

  #reset(): void {
    this.#state = null
    this.#generation += 1
    this.#holder = undefined
  }

  #stopped(
    status: 'cancelled' | 'timeout',
    durationMs: number,
    timeoutMs = this.#config.executionTimeMs,
  ): ExecResult {
    return execResult({
      tier: 'pywasm',
      status,
      durationMs,
      error:
        status === 'timeout'
          ? timeoutError(timeoutMs)
          : stopError('cancelled', { timeoutMs: 0, cpuTimeMs: 0, maxOutputBytes: 0 }),
    })
  }

  protected async onClose(): Promise<void> {
    this.#cancelRuns.abort()
    await this.tracked()
    this.#holder?.post({ type: 'drop', sandboxId: this.#id })
    this.#state = null
  }
}

/** The interpreter was discarded: the error says so, for a caller that relied on its globals. */
function withReset(error: ResultError | undefined): ResultError | undefined {
  if (error === undefined) return undefined
  const details = typeof error.details === 'object' && error.details !== null ? error.details : {}
  return { ...error, details: { ...details, interpreterReset: true } }
}

function toRequestJson(input: unknown, maxValueBytes: number): string {
  try {
    return JSON.stringify(input === undefined ? { maxValueBytes } : { input, maxValueBytes })
  } catch (error) {
    throw new ValidationError('input is not JSON-safe', [
      error instanceof Error ? error.message : String(error),
    ])
  }
}

/** Aborts when either aborts (the request's cancel, the manager's, the sandbox's close). */
function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal
function anySignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined
function anySignal(
  a: AbortSignal | undefined,
  b: AbortSignal | undefined,
): AbortSignal | undefined {
  if (a === undefined) return b
  return b === undefined ? a : AbortSignal.any([a, b])
}

function isOutOfMemory(error: WorkerGoneError): boolean {
  return (error.cause as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY'
}
