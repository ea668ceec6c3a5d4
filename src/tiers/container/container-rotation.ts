/**
 * A gVisor sandbox's container is replaced between runs once gVisor's own memory has crept up, with the
 * sandbox's files carried over, so a long-lived sandbox does not fail on a runtime's leak.
 *
 * Measured on runsc 20221219 (and 20240729 alike): every node process the sandbox starts leaves ~0.13 MiB in
 * the Sentry's Go heap (its anonymous memory: 4 → 37 MB over 300 `node -e 1`, flat for python, /bin/true or
 * `node --version`), charged to the container's memory cgroup until it levels off near 90 MB. A 64 MiB
 * JavaScript sandbox hit its memory limit on `1+1` after ~240 runs and was reset, its files gone. gVisor's own
 * accounting (/proc/meminfo inside) sees none of it, so no guest can be blamed or stopped for it.
 *
 * The rule: after a run that ended cleanly, when the container's anonymous memory (under runsc the runtime's
 * alone: the guest's memory and tmpfs files are gVisor's memory file, shmem) grew by more than a quarter of
 * the memory limit since the container's first run, the next operation finds a new container holding the
 * same /work and /tmp (a tar of both, as the sandbox user, bounded by their tmpfs sizes). Not for sessions (a
 * live interpreter cannot be carried; it also starts no node per run) nor a writable root filesystem (its
 * files are not all in /work and /tmp). /dev/shm and processes are not carried: no process outlives a run.
 */
import type Dockerode from 'dockerode'
import type { ResolvedConfig } from '../../config.js'
import { GuestError } from '../../errors.js'
import { removeContainer } from './container-lifecycle.js'
import type { ContainerRuntime } from './engine.js'
import { acquireContainer, type ContainerSandboxDeps, type Current } from './sandbox-container.js'
import { execFileCommand } from './sandbox-files.js'

/** The runtime's own memory may grow by this share of the memory limit before the container is replaced. */
export const ROTATE_GROWTH_SHARE = 0.25

/** Whether a sandbox with this config may have its container replaced for the runtime's memory. */
export function rotates(runtime: ContainerRuntime, config: ResolvedConfig): boolean {
  return (
    runtime === 'runsc' &&
    !config.session &&
    !config.container.writableRootfs &&
    // A caller's main command would start again in the new container.
    config.container.command === undefined
  )
}

/** True when the runtime's memory grew past its share since the container's first run. */
export function grownPastShare(
  baselineBytes: number | undefined,
  nowBytes: number | undefined,
  memoryLimitBytes: number,
): boolean {
  if (baselineBytes === undefined || nowBytes === undefined) return false
  return nowBytes - baselineBytes > memoryLimitBytes * ROTATE_GROWTH_SHARE
}

// What both tmpfs folders hold, as the sandbox user (names relative to /, so they land in the same places);
// not the folders themselves: the new container's /work and /tmp keep their own owner and mode (the new
// sandbox uid; root's 1777), which the sandbox user could not set. The archive is cut in the sandbox at one
// byte past the bound (`head -c`), so no more than that ever reaches the host: a sparse file's apparent size
// counts (tar under gVisor sees no holes), and it makes the archive too large rather than the host's copy.
// With pipefail the exit status is tar's, or head's cut (tar then dies of SIGPIPE); tar exits 1 when a file
// changed while it was read (nothing runs between runs) and skips sockets with a warning.
const pack = (maxBytes: number): string[] => [
  'bash',
  '-c',
  'set -o pipefail; cd / && find work tmp -mindepth 1 -maxdepth 1 -print0 | tar --null -T - -cf - | head -c "$1"',
  'sandtier-carry',
  String(maxBytes + 1),
]
// Modes as they were (-p); owned by whoever extracts: the new sandbox uid.
const UNPACK = ['tar', '-C', '/', '-xpf', '-', '--no-same-owner']

/** Two tmpfs of diskSpace each, plus tar's headers (512 bytes a file): an honest archive is not larger. */
export function carryBoundBytes(config: ResolvedConfig): number {
  return 2 * config.diskSpaceBytes + 16 * 1024 * 1024
}

/**
 * Copies /work and /tmp of `from` into `to`.
 * @throws GuestError when either tar fails or the archive is larger than carryBoundBytes.
 */
export async function carryFiles(
  from: Dockerode.Container,
  to: Dockerode.Container,
  config: ResolvedConfig,
): Promise<void> {
  const maxBytes = carryBoundBytes(config)
  const packed = await execFileCommand(
    from,
    { cmd: pack(maxBytes), stdin: undefined, maxStdoutBytes: maxBytes, what: 'carry files (pack)' },
    {},
  )
  if (packed.stdoutBytes > maxBytes)
    throw new GuestError('FileError', `carry files: the archive is larger than ${maxBytes} bytes`)
  if (packed.exitCode !== 0 && packed.exitCode !== 1)
    throw new GuestError('FileError', `carry files: tar failed (${packed.stderr.slice(0, 200)})`)
  const unpacked = await execFileCommand(
    to,
    { cmd: UNPACK, stdin: packed.stdout, maxStdoutBytes: 0, what: 'carry files (unpack)' },
    {},
  )
  if (unpacked.exitCode !== 0)
    throw new GuestError(
      'FileError',
      `carry files: untar failed (${unpacked.stderr.slice(0, 200)})`,
    )
}

/** One sandbox's rotation: when its container is due, and the replacement. */
export class ContainerRotation {
  readonly #deps: ContainerSandboxDeps
  readonly #config: ResolvedConfig
  /** Whether this sandbox rotates at all (rotates()): when not, a run costs nothing here. */
  readonly enabled: boolean
  /** Removals of containers let go of for a new one: the sandbox's close() waits for them. */
  readonly #removals = new Set<Promise<void>>()

  constructor(deps: ContainerSandboxDeps, config: ResolvedConfig) {
    this.#deps = deps
    this.#config = config
    this.enabled = rotates(deps.runtime, config)
  }

  /** After a run that ended cleanly: the runtime's own memory against the container's first clean run. */
  async afterCleanRun(current: Current): Promise<void> {
    if (current.rotation !== undefined) return
    const now = await current.cgroup.anonBytes()
    if (current.runtimeBaselineBytes === undefined) current.runtimeBaselineBytes = now
    else if (grownPastShare(current.runtimeBaselineBytes, now, this.#config.memoryLimitBytes))
      current.rotation = 'due'
  }

  /**
   * The sandbox's next container after `old` was due: a new one holding its /work and /tmp (`old` is removed),
   * or `old` itself, marked declined, when a new one cannot be had or the files cannot be carried. Never rejects.
   */
  async replace(old: Current): Promise<Current> {
    let fresh: Current | undefined
    try {
      fresh = await acquireContainer(this.#deps, this.#config)
      await carryFiles(old.container, fresh.container, this.#config)
    } catch {
      old.rotation = 'declined'
      if (fresh) this.#track(removeContainer(fresh.container))
      return old
    }
    this.#track(removeContainer(old.container))
    return fresh
  }

  /** Resolves once every removal started here is done. */
  async drained(): Promise<void> {
    await Promise.all(this.#removals)
  }

  #track(removal: Promise<void>): void {
    const job: Promise<void> = removal
      .catch(() => undefined)
      .finally(() => this.#removals.delete(job))
    this.#removals.add(job)
  }
}
