/**
 * ResolvedConfig → the Docker create request of one sandbox container, hardened: no network, no
 * capabilities, no new privileges, a non-root user, a read-only root with size-limited tmpfs for /tmp and
 * /work, memory without swap, a CPU quota, a pids limit, our seccomp profile (runc), no logs, labels.
 */
import { createHash } from 'node:crypto'
import type Dockerode from 'dockerode'
import { MiB, type ResolvedConfig } from '../../config.js'
import type { TierId } from '../../types.js'
import type { ContainerRuntime } from './engine.js'
import { containerLabels, type SessionIdentity } from './labels.js'
import { SECCOMP_PROFILE_JSON } from './seccomp-profile.js'
import { volumeBinds } from './volumes.js'

/** The user every sandbox process runs as (the image's `sandbox` user). */
export const SANDBOX_USER = '1000:1000'
/** The container's main process when the config has no `command`: it only keeps the container alive. */
export const DEFAULT_COMMAND = ['sleep', 'infinity']

/**
 * Host threads a gVisor sandbox needs beside its guest processes. Measured here (runsc 20221219, ptrace
 * platform): 54 host threads at idle, about 7 more per concurrently live guest process, and the Sentry keeps
 * them for reuse. The pids cgroup counts these host threads, not guest processes.
 */
export const RUNSC_BASE_THREADS = 64
/** Host threads per guest process allowed under runsc (see RUNSC_BASE_THREADS). */
export const RUNSC_THREADS_PER_PROCESS = 8

/**
 * The host pids limit of a container. Under runc the pids cgroup counts guest tasks directly. Under runsc
 * it only bounds the Sentry's host threads, so it gets the headroom measured above; the guest's processes
 * are bounded inside the sandbox by RLIMIT_NPROC, which gVisor enforces per sandbox.
 */
export function hostPidsLimit(runtime: ContainerRuntime, pidLimit: number): number {
  return runtime === 'runc' ? pidLimit : RUNSC_BASE_THREADS + RUNSC_THREADS_PER_PROCESS * pidLimit
}

/** Size of /dev/shm: POSIX semaphores and small shared memory only; it is charged to the memory limit. */
export function shmSizeBytes(config: ResolvedConfig): number {
  return Math.min(config.diskSpaceBytes, 16 * MiB)
}

function tmpfsMounts(diskSpaceBytes: number): Record<string, string> {
  const size = `size=${diskSpaceBytes}`
  return {
    // Guest scratch space and the harness's request files: never executable.
    '/tmp': `rw,nosuid,nodev,noexec,${size},mode=1777`,
    // The working directory: owned by the sandbox user; scripts written here may be executed.
    '/work': `rw,nosuid,nodev,exec,${size},uid=1000,gid=1000,mode=0755`,
  }
}

function environment(config: ResolvedConfig): string[] {
  // Only what the config says, never the host's environment; HOME points at the writable work directory.
  const env: Record<string, string> = { HOME: '/work', ...config.container.env }
  return Object.entries(env).map(([k, v]) => `${k}=${v}`)
}

function ulimits(runtime: ContainerRuntime, pidLimit: number): Dockerode.HostConfig['Ulimits'] {
  const limits = [
    { Name: 'nofile', Soft: 4096, Hard: 4096 },
    { Name: 'core', Soft: 0, Hard: 0 },
  ]
  // RLIMIT_NPROC counts per host uid under runc (shared by every sandbox), but per sandbox in gVisor.
  if (runtime === 'runsc') limits.push({ Name: 'nproc', Soft: pidLimit, Hard: pidLimit })
  return limits
}

/** Everything a create request needs besides the config. */
export interface ContainerSpecOptions {
  runtime: ContainerRuntime
  tier: TierId
  identity: SessionIdentity
}

/**
 * The create request for a sandbox container.
 * @throws ConfigError for volumes that would expose the host (see volumes.ts).
 */
export function containerSpec(
  config: ResolvedConfig,
  { runtime, tier, identity }: ContainerSpecOptions,
): Dockerode.ContainerCreateOptions {
  const { container } = config
  const securityOpt = ['no-new-privileges:true']
  // gVisor ignores OCI seccomp profiles (its Sentry is the syscall boundary): send ours to runc only.
  if (runtime === 'runc') securityOpt.push(`seccomp=${SECCOMP_PROFILE_JSON}`)
  return {
    Image: container.image,
    Cmd: container.command ?? DEFAULT_COMMAND,
    User: SANDBOX_USER,
    WorkingDir: '/work',
    Env: environment(config),
    Labels: containerLabels(identity, tier),
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    // No network comes from NetworkMode 'none' (an interface list of `lo` alone). NetworkDisabled on top would
    // leave runsc's loopback down: a program talking to itself on 127.0.0.1 would work on runc only.
    NetworkDisabled: false,
    // Nothing in a sandbox needs a graceful stop; an engine shutting down should not wait 10 s per container.
    StopTimeout: 1,
    HostConfig: {
      Runtime: runtime,
      Init: true,
      NetworkMode: 'none',
      ReadonlyRootfs: !container.writableRootfs,
      Tmpfs: tmpfsMounts(config.diskSpaceBytes),
      ShmSize: shmSizeBytes(config),
      IpcMode: 'private',
      CgroupnsMode: 'private',
      Memory: config.memoryLimitBytes,
      MemorySwap: config.memoryLimitBytes,
      NanoCpus: Math.round(config.cpuQuota * 1e9),
      PidsLimit: hostPidsLimit(runtime, config.pidLimit),
      Ulimits: ulimits(runtime, config.pidLimit),
      CapDrop: ['ALL'],
      CapAdd: container.capabilities.map((c) => c.toUpperCase().replace(/^CAP_/, '')),
      SecurityOpt: securityOpt,
      Binds: volumeBinds(container.volumes),
      LogConfig: { Type: 'none', Config: {} },
      // In a host-wide memory shortage, sandboxes die before anything else.
      OomScoreAdj: 1000,
      Privileged: false,
      AutoRemove: false,
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    },
  } as Dockerode.ContainerCreateOptions
}

/** Identifies containers that are interchangeable: same image, runtime and hardening (labels aside). */
export function hardeningKey(spec: Dockerode.ContainerCreateOptions): string {
  const { Labels: _labels, ...rest } = spec
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 32)
}
