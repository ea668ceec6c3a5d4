/**
 * One wasm sandbox: a configuration (memory pages, limits, host functions, network policy) applied to every
 * run. It holds no worker and no memory while idle; each run gets a fresh bounded memory and instance in a
 * pooled worker.
 */
import { WASM_PAGE_BYTES, secretPlaceholders, type ResolvedConfig } from '../../config.js'
import { SandboxClosedError, ValidationError } from '../../errors.js'
import { Closing } from '../../lifecycle/closing.js'
import { RunDeadline } from '../../limits/deadline.js'
import { timeoutError } from '../../limits/limit-errors.js'
import { copyNetworkUsage, createNetworkMeter } from '../../policy/network-meter.js'
import { NetworkPolicy } from '../../policy/network-policy.js'
import { emptyUsage, type ExecResult } from '../../types.js'
import {
  TIER_LANGUAGES,
  type NormalizedRequest,
  type RunContext,
  type TierSandbox,
} from '../tier.js'
import { buildResult, cancelledResult, compileFailureResult } from './exec-result.js'
import type { CompiledModule } from './module-cache.js'
import { checkModule, type ModulePlan } from './module-policy.js'
import type { ModuleProvider } from './module-provider.js'
import { CANCELLED, TIMED_OUT, raceDeadline } from './race-deadline.js'
import { chooseEntry } from './run-entry.js'
import { WasiFolder } from './wasi-disk-folder.js'
import type { WorkerLease } from './worker-lease.js'
import { runInWorker } from './worker-runner.js'

/** What the tier shares with its sandboxes. */
export interface WasmRuntime {
  provider: ModuleProvider
  lease: WorkerLease
  compileTimeoutMs: number
}

export class WasmSandbox extends Closing implements TierSandbox {
  readonly tier = 'wasm' as const
  readonly languages = TIER_LANGUAGES.wasm
  readonly #config: ResolvedConfig
  readonly #runtime: WasmRuntime
  readonly #policy: NetworkPolicy
  /** WASI environment: the secrets' placeholders, undefined without secrets. */
  readonly #env: Record<string, string> | undefined
  readonly #plans = new WeakMap<CompiledModule, ModulePlan>()
  // Aborted by close(): runs in progress end as 'cancelled' and their workers are terminated.
  readonly #cancelRuns = new AbortController()
  /** The sandbox's folder, kept here between runs (wasi-disk-folder.ts says why and how). */
  readonly files: WasiFolder

  constructor(config: ResolvedConfig, runtime: WasmRuntime) {
    super('wasm sandbox')
    this.#config = config
    this.files = new WasiFolder(config.diskSpaceBytes)
    this.#runtime = runtime
    this.#policy = new NetworkPolicy(config.network)
    const secrets = config.network.secrets
    this.#env = secrets.length > 0 ? secretPlaceholders(secrets) : undefined
  }

  /**
   * Checks a module against this sandbox's limits and allowlist (cached per module).
   * @throws ValidationError listing what is refused.
   */
  plan(compiled: CompiledModule): ModulePlan {
    let plan = this.#plans.get(compiled)
    if (plan === undefined) {
      plan = checkModule(compiled.info, {
        memoryPages: this.#config.wasm.memoryPages,
        maxMemoryPages: this.#config.wasm.maxMemoryPages,
        hostFunctionNames: Object.keys(this.#config.hostFunctions),
      })
      this.#plans.set(compiled, plan)
    }
    return plan
  }

  /**
   * Runs AssemblyScript source or a wasm module. Resolves for every guest outcome.
   * @throws ValidationError for a refused module, an unknown `fn` or unusable arguments.
   * @throws SandboxClosedError after close().
   */
  execute(request: NormalizedRequest, context: RunContext = {}): Promise<ExecResult> {
    if (this.closed) return Promise.reject(new SandboxClosedError('wasm sandbox'))
    return this.track(this.#execute(request, context))
  }

  async #execute(request: NormalizedRequest, context: RunContext): Promise<ExecResult> {
    const started = performance.now()
    const elapsed = (): number => performance.now() - started
    const deadline = new RunDeadline(request.timeoutMs, { notAfterMs: context.notAfterMs })
    const language = request.language
    let compiled: CompiledModule
    let compileMs = 0
    if (language === 'assemblyscript') {
      // The compile counts against the run's wall-clock limit, like any other part of the run.
      const { compileTimeoutMs } = this.#runtime
      const provided = await this.#runtime.provider.assemblyScript(request.code, {
        compileTimeoutMs,
        waitMs: deadline.remaining(),
        signal: request.signal,
      })
      if (!provided.ok)
        return compileFailureResult(provided.failure, elapsed(), {
          compileTimeoutMs,
          limitMs: request.timeoutMs,
        })
      compiled = provided.compiled
      compileMs = provided.compileMs
    } else {
      // The manager checked the language against `languages`: it is 'wasm'.
      const bytes = request.wasmBinary ?? this.#config.wasm.wasmBinary
      if (bytes === undefined)
        throw new ValidationError('Language "wasm" needs a module', [
          'pass wasmBinary in the request or the sandbox config',
        ])
      compiled = await this.#runtime.provider.raw(bytes)
    }
    const plan = this.plan(compiled)
    const entry = chooseEntry(request, plan, language)
    const inputJson = toInputJson(request.input)
    if (request.signal?.aborted === true) return cancelledResult(elapsed())

    // The run's wall-clock limit counts from the start, compiling and waiting for a worker included: with
    // every worker busy with other runs, a run that gets none in time ends 'timeout' without running (never
    // limit × queue).
    const { lease } = this.#runtime
    const leased = lease.acquire()
    const got = await raceDeadline(leased, request.signal, deadline.remaining())
    if (got === CANCELLED || got === TIMED_OUT) {
      leased.then(
        (w) => lease.release(w, true),
        () => undefined,
      )
      if (got === CANCELLED) return cancelledResult(elapsed())
      const error = timeoutError(request.timeoutMs)
      return buildResult({ status: 'timeout', durationMs: elapsed(), error })
    }
    const worker = got
    const remainingMs = Math.max(1, deadline.remaining())
    let reusable = false
    try {
      const meter = createNetworkMeter()
      const run = await runInWorker({
        worker,
        timeoutMs: remainingMs,
        limitMs: request.timeoutMs,
        cpuTimeMs: this.#config.cpuTimeMs,
        signals: [request.signal, this.#cancelRuns.signal],
        hostCalls: { policy: this.#policy, meter, hostFunctions: this.#config.hostFunctions },
        onOutput: request.onOutput,
        message: {
          module: compiled.module,
          memory: plan.memory,
          usesWasi: plan.usesWasi,
          hostImports: plan.hostImports,
          entry,
          inputJson,
          stdin:
            typeof request.stdin === 'string'
              ? new TextEncoder().encode(request.stdin)
              : request.stdin,
          maxOutputBytes: this.#config.maxOutputBytes,
          env: this.#env,
          // What the folder leaves of diskSpace: the run's files and the folder share one limit.
          maxFileBytes: Math.max(0, this.#config.diskSpaceBytes - this.files.usedBytes),
          folder: plan.usesWasi
            ? { snapshot: this.files.snapshot(), maxBytes: this.#config.diskSpaceBytes }
            : undefined,
          timeoutMs: remainingMs,
        },
      })
      reusable = !run.workerLost
      const reply = run.reply
      // A run stopped from outside (timeout, cancel) has no reply: the folder stays as before it.
      if (reply?.folder) this.files.replace(reply.folder)
      const usage = emptyUsage()
      copyNetworkUsage(meter, usage)
      usage.cpuMs = reply?.cpuMs ?? Math.max(0, elapsed() - compileMs)
      // A stopped worker cannot be asked: its memory had at least the initial pages.
      usage.memoryPeakBytes =
        reply?.memoryPeakBytes ?? (plan.memory?.initial ?? 0) * WASM_PAGE_BYTES
      usage.hostCalls = reply?.hostCalls ?? 0
      return buildResult({
        status: reply?.status ?? run.stopped ?? 'crashed',
        value: reply?.value,
        stdout: run.stdout,
        stderr: run.stderr,
        exitCode: reply?.exitCode ?? 1,
        durationMs: elapsed(),
        usage,
        error: reply?.error ?? run.error,
        truncated: reply?.truncated,
      })
    } finally {
      lease.release(worker, reusable)
    }
  }

  /** Ends runs in progress as 'cancelled' (new ones are refused from the close() call) and waits for them. */
  protected async onClose(): Promise<void> {
    this.#cancelRuns.abort()
    await this.tracked()
  }
}

function toInputJson(input: unknown): string {
  try {
    return JSON.stringify(input ?? null) ?? 'null'
  } catch (error) {
    throw new ValidationError('input is not JSON-safe', [
      error instanceof Error ? error.message : String(error),
    ])
  }
}
