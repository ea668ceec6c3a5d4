/**
 * A sandbox of the docker or gvisor tier: one hardened container (see hardening.ts), runs one at a time.
 *
 * Protects: the host from the guest (no network, no capabilities, seccomp on runc / the gVisor Sentry on
 * runsc, read-only root, bounded memory, CPU, pids, disk and output), and each sandbox from the others.
 * Does not protect: the guest's files from later runs in the same sandbox (that is the point of a sandbox),
 * nor against kernel bugs reachable through the allowed syscalls on runc (use gvisor for untrusted code).
 * How it fails: a run that hits a limit resolves with its status; when the limit took the container down
 * (OOM under runsc, a fork bomb, an unkillable run) the sandbox gets a new container, /work starts empty,
 * and the result says so (sandbox-reset.ts). Nothing a run starts outlives it (terminate-run.ts).
 * Engine failures reject with EngineError; a destroyed sandbox rejects with SandboxClosedError.
 */
import type { ResolvedConfig } from '../../config.js'
import { ConfigError } from '../../errors.js'
import { Closing } from '../../lifecycle/closing.js'
import type { ExecResult, TierId } from '../../types.js'
import { RunDeadline } from '../../limits/deadline.js'
import {
  TIER_LANGUAGES,
  type NormalizedRequest,
  type RunContext,
  type TierSandbox,
} from '../tier.js'
import { endedClean, lostContainer, toExecResult, type ClassifyContext } from './classify-run.js'
import { removeContainer } from './container-lifecycle.js'
import { ContainerRotation } from './container-rotation.js'
import {
  runInContainer,
  type RunContext as ContainerRunContext,
  type RunFacts,
} from './container-run.js'
import { earlyResult } from './early-result.js'
import { meterRun, withNetworkUsage } from './egress.js'
import { guestCommand, type GuestCommand } from './guest-command.js'
import { planRun } from './run-plan.js'
import { openProcessCensus } from './process-census.js'
import {
  acquireContainer,
  ContainerGone,
  isContainerGone,
  type ContainerSandboxDeps,
  type Current,
} from './sandbox-container.js'
import { readSandboxFile, writeSandboxFile, type FileOptions } from './sandbox-files.js'
import { SessionKeeper, SessionStartFailed } from './session-run.js'
import { wantsSpare } from './spare-policy.js'
import { markReset, sandboxResetError } from './sandbox-reset.js'
import { WorkFolder } from './work-files.js'

export type { ContainerSandboxDeps } from './sandbox-container.js'

/** Languages a container sandbox runs (both runtimes run the same image). */
export const CONTAINER_LANGUAGES = TIER_LANGUAGES.docker

export class ContainerSandbox extends Closing implements TierSandbox {
  readonly tier: TierId
  readonly languages = CONTAINER_LANGUAGES
  readonly #deps: ContainerSandboxDeps
  readonly #config: ResolvedConfig
  #current: Promise<Current>
  #tail: Promise<unknown> = Promise.resolve()
  /** Replaces the container when gVisor's own memory crept up (container-rotation.ts). */
  readonly #rotation: ContainerRotation
  /** config.session: the sandbox's live interpreter (session-run.ts). */
  readonly #session: SessionKeeper | undefined
  /** The sandbox's folder, /work, for the manager (paths relative to it: work-files.ts). */
  readonly files: WorkFolder

  private constructor(deps: ContainerSandboxDeps, config: ResolvedConfig, first: Promise<Current>) {
    super(`${deps.tier} sandbox`)
    this.tier = deps.tier
    this.#deps = deps
    this.#config = config
    this.files = new WorkFolder({
      container: async () => {
        this.assertOpen()
        return (await this.#container()).container
      },
      serial: (fn) => this.#serial(fn),
      // A fresh container's /work is an empty tmpfs, unless a volume is mounted in it or a main command of
      // the caller's may have written there.
      startsEmpty:
        config.container.command === undefined &&
        config.container.volumes.every((v) => !`${v.containerPath}/`.startsWith('/work/')),
    })
    this.#current = first
    this.#rotation = new ContainerRotation(deps, config)
    this.#session = config.session ? new SessionKeeper(config, deps.runtime) : undefined
  }

  /**
   * Takes a warm container or starts one.
   * @throws EngineError when the engine cannot create or start it.
   */
  static async create(
    deps: ContainerSandboxDeps,
    config: ResolvedConfig,
  ): Promise<ContainerSandbox> {
    // A session is the runner's: no runner in the image, a `command`, or network egress leave none.
    if (config.session && !deps.runner)
      throw new ConfigError(
        'session',
        'an image with the resident runner (label sandtier.runner=1), no command, no network',
        config.container.image,
      )
    const first = acquireContainer(deps, config)
    await first
    return new ContainerSandbox(deps, config, first)
  }

  /** The id of the sandbox's current container (it changes when a limit forced a new one). */
  async containerId(): Promise<string> {
    return (await this.#current).container.id
  }

  // One operation at a time: a run owns the container's processes and cgroup counters while it lasts.
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn)
    this.#tail = run.catch(() => undefined)
    return run
  }

  /** Starts a new container in the background and removes the old one. */
  #replace(): void {
    // Never rejects: a failed removal is left to the tier's session sweep, and must not lose the new container.
    const removal = this.#current
      .then(({ container }) => removeContainer(container))
      .catch(() => undefined)
    // Starting the new container while the old one is removed halves the time the next run waits.
    const next = Promise.all([removal, acquireContainer(this.#deps, this.#config)]).then(
      ([, fresh]) => fresh,
    )
    // A failed replacement is retried by the next operation; it must not become an unhandled rejection.
    next.catch(() => undefined)
    this.#current = next
  }

  async #container(): Promise<Current> {
    try {
      return await this.#current
    } catch {
      this.#replace()
      return await this.#current
    }
  }

  /** Runs one request; resolves with an ExecResult for every outcome of the guest's code. */
  async execute(request: NormalizedRequest, context: RunContext = {}): Promise<ExecResult> {
    this.assertOpen()
    this.#session?.checkLanguage(request.language)
    const startedAt = Date.now()
    const ctx: ClassifyContext = {
      tier: this.tier,
      startedAt,
      timeoutMs: request.timeoutMs,
      cpuTimeMs: this.#config.cpuTimeMs,
      maxOutputBytes: this.#config.maxOutputBytes,
      pidLimit: this.#config.pidLimit,
      memoryLimitBytes: this.#config.memoryLimitBytes,
    }
    // One end for the whole run: the source is prepared under it and the run in the container continues it;
    // an escalated run continues the first attempt's clock (notAfterMs), its preparation included.
    const deadline = new RunDeadline(request.timeoutMs, { notAfterMs: context.notAfterMs })
    const command = await guestCommand(request, this.#config, {
      timeoutMs: Math.max(deadline.remaining(), 1),
      signal: request.signal,
    })
    if ('early' in command) return earlyResult(ctx, command.early, command.error)
    // The run's own time is fixed once its source is ready: waiting for the container to start does not
    // shorten it, except for an escalated run, whose caller's clock has run since the first attempt.
    const runMs = Math.max(deadline.remaining(), 1)
    const escalated = context.notAfterMs !== undefined
    return await this.#serial(async () => {
      this.assertOpen()
      if (request.signal?.aborted) return earlyResult(ctx, 'cancelled')
      const { value: facts, network } = await meterRun(this.#deps.egress, request, () =>
        this.#run(command, request, () => (escalated ? deadline.remaining() : runMs)),
      )
      if (facts instanceof SessionStartFailed) {
        if (!this.closed) this.#replace()
        const result = earlyResult(ctx, 'crashed', sandboxResetError(facts.message))
        return { ...result, session: { restarted: false, ended: true } }
      }
      if (facts instanceof ContainerGone)
        return earlyResult(
          ctx,
          'crashed',
          sandboxResetError(
            "The sandbox's container was stopped or removed since its last run, so the code did not run",
          ),
        )
      const current = await this.#current.catch(() => undefined)
      if (current?.oomSeen && facts.container && facts.oomKills === 0)
        facts.container = { ...facts.container, oomKilled: false }
      const reset = lostContainer(facts) && !this.closed
      if (reset) this.#replace()
      else if (current?.rotation === 'due' && !this.closed)
        this.#current = this.#rotation.replace(current)
      const result = withNetworkUsage(toExecResult(facts, ctx), network)
      if (result.status === 'memory' && current && !reset) current.oomSeen = true
      const settled = this.#session ? await this.#session.settle(result, facts, reset) : result
      return reset ? markReset(settled) : settled
    })
  }

  async #run(
    command: GuestCommand,
    request: NormalizedRequest,
    runMs: () => number,
  ): Promise<RunFacts | ContainerGone | SessionStartFailed> {
    const stdin = typeof request.stdin === 'string' ? Buffer.from(request.stdin) : request.stdin
    const current = await this.#container()
    current.census ??= openProcessCensus(current.container, this.#deps.engine, this.#deps.runtime)
    const census = await current.census
    const attempt = async (
      cmd: GuestCommand,
      session?: ContainerRunContext['session'],
    ): Promise<RunFacts> => {
      // The runner's spare (spare-policy.ts) is for one argv: anything else ends it before it starts, and
      // before the run's memory peak window opens (a killed spare is never billed to the next run).
      if (current.runner && !current.runner.hasSpare(cmd.cmd)) await current.runner.dropSpare()
      const plan = planRun(this.#config, this.#deps.runtime, cmd, current.runner, runMs())
      const facts = await runInContainer({
        container: current.container,
        cgroup: current.cgroup,
        census,
        runner: plan.runner,
        command: plan.command,
        stdin,
        limits: plan.limits,
        signal: request.signal,
        onOutput: request.onOutput,
        watchExit: this.#deps.runtime === 'runsc',
        session,
      })
      this.files.noteRun(facts.outputWritten)
      const clean = endedClean(facts)
      if (clean && this.#rotation.enabled) await this.#rotation.afterCleanRun(current)
      // Nothing of this run is left (verified): the next node run may start from a waiting node.
      if (plan.runner && !session && clean && wantsSpare(this.#config, plan.command))
        plan.runner.startSpare(plan.command.cmd)
      return facts
    }
    try {
      return this.#session
        ? await this.#session.run(current, census, command, attempt)
        : await attempt(command)
    } catch (error) {
      // The container died between runs (killed or removed from outside): the sandbox gets a new one, and
      // this run reports the reset instead of running on it as if /work were still there.
      if (!isContainerGone(error) || this.closed) throw error
      this.#replace()
      return new ContainerGone()
    }
  }

  /**
   * Writes a file into the sandbox (parents created), as the sandbox user and within its disk limit.
   * @throws ConfigError for a relative path; GuestError when the sandbox refuses; SandboxClosedError;
   *   SandboxError ERR_CANCELLED when `options.signal` aborts.
   * @example await sandbox.writeFile('/work/data.csv', 'a,b\n1,2\n')
   */
  async writeFile(
    path: string,
    data: string | Uint8Array,
    options: FileOptions = {},
  ): Promise<void> {
    this.assertOpen()
    this.files.noteChanged()
    await this.#serial(async () =>
      writeSandboxFile((await this.#container()).container, path, data, options),
    )
  }

  /**
   * Reads a file from the sandbox.
   * @throws ConfigError for a relative path; GuestError when missing or larger than `maxBytes`
   *   (@default limits.diskSpace); SandboxClosedError; SandboxError ERR_CANCELLED on abort.
   * @example const csv = Buffer.from(await sandbox.readFile('/work/out.csv')).toString()
   */
  async readFile(
    path: string,
    options: FileOptions & { maxBytes?: number } = {},
  ): Promise<Uint8Array> {
    this.assertOpen()
    const maxBytes = options.maxBytes ?? this.#config.diskSpaceBytes
    return await this.#serial(async () =>
      readSandboxFile((await this.#container()).container, path, maxBytes, options),
    )
  }

  /** Removes the container (force: a run in progress ends as 'crashed'), then closes the egress. */
  protected async onClose(): Promise<void> {
    const current = await this.#current.catch(() => undefined)
    if (current) await removeContainer(current.container)
    await this.#rotation.drained()
    await this.#deps.egress?.close()
  }
}
