/**
 * The container tier on one OCI runtime: runc for `docker`, runsc for `gvisor` (never one for the other).
 * Owns its sandboxes and a warm pool, labels every container with its session, and removes orphans of dead
 * sandtier processes when it starts.
 */
import type Dockerode from 'dockerode'
import { DEFAULT_IMAGE, type ResolvedConfig } from '../../config.js'
import { ConfigError, SandboxError, TierUnavailableError } from '../../errors.js'
import { Closing } from '../../lifecycle/closing.js'
import type { TierId } from '../../types.js'
import type { Tier, TierAvailability } from '../tier.js'
import { checkContainerConfig } from './container-config-check.js'
import { removeContainer, startContainer } from './container-lifecycle.js'
import {
  CONTAINER_LANGUAGES,
  ContainerSandbox,
  type ContainerSandboxDeps,
} from './container-sandbox.js'
import { isEngineUnreachable } from './engine-call.js'
import {
  checkAvailability,
  createDockerClient,
  ENGINE_HINT,
  preflight,
  type ContainerRuntime,
  type EngineInfo,
} from './engine.js'
import { checkEgressConfig, NO_POOL, SandboxEgress } from './egress.js'
import { containerSpec, hardeningKey, runsRunner, withSandboxUser } from './hardening.js'
import { sharedHostFiles, type SharedHostFiles } from './host-files.js'
import { newSessionIdentity, type SessionIdentity } from './labels.js'
import { reapOrphans, sessionContainers } from './orphans.js'
import { attachRunner, imageHasRunner } from './runner-attach.js'
import {
  checkUidRangeOnHost,
  DEFAULT_SANDBOX_UIDS,
  SandboxUids,
  type SandboxUidRange,
} from './sandbox-uids.js'
import { WarmPool } from './warm-pool.js'
import { holdSourcePool } from './js-source-pool.js'

export interface ContainerTierOptions {
  /**
   * Started containers kept ready per configuration (image, runtime and limits), filled after the first
   * sandbox of that configuration and refilled after every take. One hides the create+start latency
   * (~0.2 s runc, ~0.3 s runsc) for the next sandbox at the cost of one idle container (~4 MiB runc,
   * ~16 MiB runsc); 0 creates every container on demand.
   * @default 1
   */
  poolSize?: number
  /**
   * Use the image's resident runner (images/sandbox/harness/runner.py) where the image has it: a run is a
   * message to a process already running in the container instead of a `docker exec`. false: every run is
   * an exec (the fallback for images without the runner, and for shell code always).
   * @default true
   */
  runner?: boolean
  /** The engine client. @default DOCKER_HOST when it is a unix socket, else /var/run/docker.sock */
  docker?: Dockerode
  /**
   * Host uids (and gids) for sandbox containers, one per container: a range no host user, group or
   * subordinate id range may overlap (checked against /etc/passwd, /etc/group, /etc/subuid, /etc/subgid).
   * @default { first: 1879048192, count: 1048576 }
   */
  sandboxUids?: SandboxUidRange
}

/** What every container of the tier needs from the host before its first create. */
interface HostReady {
  engine: EngineInfo
  hostFiles: SharedHostFiles
  /** The image has the resident runner (label RUNNER_LABEL) and the tier uses it. */
  runner: boolean
}

export class ContainerTier extends Closing implements Tier {
  readonly id: TierId
  readonly runtime: ContainerRuntime
  readonly languages = CONTAINER_LANGUAGES
  readonly #docker: Dockerode
  readonly #identity: SessionIdentity = newSessionIdentity()
  readonly #pool: WarmPool
  readonly #uids: SandboxUids
  readonly #images = new Map<string, Promise<HostReady>>()
  readonly #useRunner: boolean
  #started: Promise<void> | undefined
  /** Lets the JavaScript preparation workers end when the last container tier closes. */
  readonly #releaseSourcePool: () => void

  constructor(
    id: 'docker' | 'gvisor',
    runtime: ContainerRuntime,
    options: ContainerTierOptions = {},
  ) {
    super(`${id} tier`)
    const poolSize = options.poolSize ?? 1
    if (!Number.isInteger(poolSize) || poolSize < 0 || poolSize > 64)
      throw new ConfigError('poolSize', 'an integer between 0 and 64', poolSize)
    this.id = id
    this.runtime = runtime
    this.#docker = options.docker ?? createDockerClient()
    this.#useRunner = options.runner ?? true
    this.#uids = new SandboxUids(options.sandboxUids ?? DEFAULT_SANDBOX_UIDS)
    this.#releaseSourcePool = holdSourcePool()
    // Adopted first, so closed after every sandbox (they are adopted as they are made).
    this.#pool = this.adopt(
      new WarmPool({
        size: poolSize,
        // A runner's container is attached and greeted while it waits in the pool (runner-ready), and
        // starts the spare its next sandbox's first run most likely takes (node's start is ~100 ms on runc,
        // ~200 ms on runsc: paid here, off the run's path). No guest code has run in it.
        start: async (spec, spareArgv) => {
          const container = await startContainer(this.#docker, spec)
          if (runsRunner(spec))
            attachRunner(container).then(
              (runner) => spareArgv && runner.startSpare(spareArgv),
              () => undefined,
            )
          return container
        },
        remove: (container) => removeContainer(container),
      }),
    )
  }

  /** The session label value on every container of this tier instance. */
  get sessionId(): string {
    return this.#identity.sessionId
  }

  /** Started containers waiting in the warm pool. */
  get warmCount(): number {
    return this.#pool.readyCount
  }

  /** Number of live sandboxes. */
  get sandboxCount(): number {
    return this.owned(ContainerSandbox).length
  }

  /** Live sandboxes, ready warm containers and those still starting (what manager.stats() shows). */
  stats(): Record<string, number> {
    return {
      sandboxes: this.sandboxCount,
      warmContainers: this.#pool.readyCount,
      warmStarting: this.#pool.startingCount,
    }
  }

  validate(config: ResolvedConfig): void {
    checkContainerConfig(config, this.runtime)
    checkEgressConfig(config)
  }

  availability(): Promise<TierAvailability> {
    return checkAvailability(this.#docker, this.runtime, DEFAULT_IMAGE)
  }

  /**
   * Removes containers of dead sandtier processes; returns how many.
   * @throws EngineError
   */
  reapOrphans(): Promise<number> {
    return reapOrphans(this.#docker, this.#identity)
  }

  // Preflight for an image (engine answers, runtime registered, image present), once per image; the first one
  // also reaps orphans, checks the uid range against the host's users and writes the shared host files. A
  // failure is not cached: the engine may come up later.
  #ready(image: string): Promise<HostReady> {
    let ready = this.#images.get(image)
    if (!ready) {
      ready = (async () => {
        const engine = await preflight(this.#docker, this.id, this.runtime, image)
        const [hostFiles, runner] = await Promise.all([
          sharedHostFiles(),
          // Both runtimes: under runsc the runner stacks its own clone3 filter (see runner.py), since
          // runsc 20221219 answers the profile's clone3 rule with EPERM instead of ENOSYS.
          this.#useRunner ? imageHasRunner(this.#docker, image) : false,
          checkUidRangeOnHost(this.#uids.range),
          (this.#started ??= this.reapOrphans().then(
            () => undefined,
            () => undefined,
          )),
        ])
        return { engine, hostFiles, runner }
      })()
      this.#images.set(image, ready)
      ready.catch(() => this.#images.delete(image))
    }
    return ready
  }

  /**
   * Creates a sandbox for a config checked by validate(): a warm container when one is ready, else a new one.
   * @throws ConfigError (cpuQuota past the engine's CPUs), TierUnavailableError (no engine, no runsc, no
   *   image), EngineError, SandboxClosedError
   */
  async createSandbox(config: ResolvedConfig, signal?: AbortSignal): Promise<ContainerSandbox> {
    this.assertOpen()
    const { engine, hostFiles, runner } = await this.#ready(config.container.image)
    if (config.cpuQuota > engine.cpus)
      throw new ConfigError(
        'cpuQuota',
        `at most ${engine.cpus} (the engine host's CPUs)`,
        config.cpuQuota,
      )
    throwIfAborted(signal)
    // With networkEnabled: the sandbox's own egress proxy, and containers that route through it.
    const egress = await SandboxEgress.open(config)
    // Containers of one sandbox differ only in their uid and labels: the key is the request without them.
    const template = (): Dockerode.ContainerCreateOptions => {
      const spec = containerSpec(config, {
        runtime: this.runtime,
        tier: this.id,
        identity: this.#identity,
        hostFiles,
        runner,
      })
      return egress ? egress.applyTo(spec) : spec
    }
    const makeSpec = (): Dockerode.ContainerCreateOptions =>
      withSandboxUser(template(), this.#uids.allocate())
    const sandbox = await this.#createOrExplain(
      {
        docker: this.#docker,
        tier: this.id,
        runtime: this.runtime,
        engine,
        pool: egress ? NO_POOL : this.#pool,
        key: hardeningKey(template()),
        makeSpec,
        egress,
        runner: runsRunner(template()),
      },
      config,
    ).catch(async (error: unknown) => {
      await egress?.close()
      throw error
    })
    if (this.closed || signal?.aborted) {
      await sandbox.close()
      throwIfAborted(signal)
      this.assertOpen()
    }
    return this.adopt(sandbox)
  }

  // An engine that went away after the preflight is still "no engine": TierUnavailableError, and the next
  // createSandbox runs the preflight again.
  async #createOrExplain(
    deps: ContainerSandboxDeps,
    config: ResolvedConfig,
  ): Promise<ContainerSandbox> {
    try {
      return await ContainerSandbox.create(deps, config)
    } catch (error) {
      if (!isEngineUnreachable(error)) throw error
      this.#images.clear()
      throw new TierUnavailableError(this.id, (error as Error).message, ENGINE_HINT, {
        cause: error,
      })
    }
  }

  // After the sandboxes and the pool closed: removes anything left with this session's label.
  protected async onClose(): Promise<void> {
    this.#releaseSourcePool()
    const leftovers = await sessionContainers(this.#docker, this.sessionId).catch(() => [])
    await Promise.allSettled(leftovers.map((id) => removeContainer(this.#docker.getContainer(id))))
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new SandboxError('ERR_CANCELLED', 'createSandbox was cancelled', { cause: signal.reason })
}
