/**
 * A container sandbox's current container: what its tier gives a sandbox, what the sandbox holds of the
 * container (its cgroup reader, its runner, its census), how one is acquired (warm pool or a fresh start), and
 * how a container that went away between runs is recognised.
 */
import type Dockerode from 'dockerode'
import type { ResolvedConfig } from '../../config.js'
import type { TierId } from '../../types.js'
import { openCgroupReader, type CgroupReader } from './cgroup-stats.js'
import { startContainer } from './container-lifecycle.js'
import { ContainerEngineError } from './engine-call.js'
import type { ContainerRuntime, EngineInfo } from './engine.js'
import type { SandboxEgress } from './egress.js'
import type { ProcessCensus } from './process-census.js'
import { attachRunner } from './runner-attach.js'
import type { RunnerChannel } from './runner-channel.js'
import { firstSpareArgv } from './spare-policy.js'
import type { WarmPool } from './warm-pool.js'

/** What a sandbox needs from its tier. */
export interface ContainerSandboxDeps {
  docker: Dockerode
  tier: TierId
  runtime: ContainerRuntime
  engine: EngineInfo
  pool: WarmPool
  key: string
  makeSpec: () => Dockerode.ContainerCreateOptions
  /** The sandbox's network egress (networkEnabled): metered per run, closed with the sandbox. */
  egress?: SandboxEgress | undefined
  /** Its containers run the image's resident runner (hardening.ts runsRunner). */
  runner: boolean
}

export interface Current {
  container: Dockerode.Container
  cgroup: CgroupReader
  /** The container's resident runner; undefined when runs are execs (no runner in the image, or none answered). */
  runner: RunnerChannel | undefined
  /**
   * A run of this container was OOM-killed: the engine's State.OOMKilled stays set for the container's
   * life, so it no longer says anything about later runs (their own cgroup OOM count still does).
   */
  oomSeen?: boolean
  /** Opened at the container's first run (it costs an inspect); undefined where the host cannot take one. */
  census?: Promise<ProcessCensus | undefined>
  /** The runtime's own memory after the container's first clean run (container-rotation.ts). */
  runtimeBaselineBytes?: number
  /**
   * 'due': its runtime's memory grew past its share, the next operation gets a new container with the files;
   * 'declined': that failed once (no new container, or files that could not be carried), it is not tried again.
   */
  rotation?: 'due' | 'declined'
}

/** The container was found gone before a run: the run did not happen. */
export class ContainerGone {}

// The container is gone or stopped: exec create answers 404 or 409.
export function isContainerGone(error: unknown): boolean {
  if (!(error instanceof ContainerEngineError)) return false
  if (error.statusCode === 404 || error.statusCode === 409) return true
  // A container that exited just before "start exec" comes back as HTTP 500 "container not running".
  return error.statusCode === 500 && /is not running|container not running/.test(error.message)
}

/** Takes a warm container or starts one, and opens what a run needs of it. */
export async function acquireContainer(
  deps: ContainerSandboxDeps,
  config: ResolvedConfig,
): Promise<Current> {
  const spare = firstSpareArgv(config)
  const container = deps.pool.take(deps.key) ?? (await startContainer(deps.docker, deps.makeSpec()))
  deps.pool.fill(deps.key, deps.makeSpec, spare)
  const [cgroup, runner] = await Promise.all([
    openCgroupReader(container, deps.engine),
    // A runner that does not answer leaves the container to the exec path, which needs nothing of it.
    deps.runner ? attachRunner(container).catch(() => undefined) : undefined,
  ])
  // No guest code ran in it yet: its first run may start from a waiting process (spare-policy.ts). A pooled
  // container may have started that one already (the pool's start, container-tier.ts); another argv's ends.
  if (runner && spare && !runner.hasSpare(spare)) runner.startSpare(spare)
  return { container, cgroup, runner }
}
