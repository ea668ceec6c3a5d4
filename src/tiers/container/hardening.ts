/**
 * ResolvedConfig → the Docker create request of one sandbox container, hardened: no network, no
 * capabilities, no new privileges, a host uid of its own (see sandbox-uids.ts), a read-only root with
 * size-limited tmpfs for /tmp and /work, memory without swap, a CPU quota, a pids limit, our seccomp profile
 * (runc; runsc with --oci-seccomp and the image's preload for exec'd processes), neutral /etc/hosts,
 * /etc/hostname and /etc/resolv.conf instead of Docker's per-container copies (see host-files.ts), no logs,
 * labels, and the image's keeper as init instead of Docker's docker-init.
 */
import { createHash } from 'node:crypto'
import type Dockerode from 'dockerode'
import { MiB, secretPlaceholders, type ResolvedConfig } from '../../config.js'
import type { TierId } from '../../types.js'
import type { ContainerRuntime } from './engine.js'
import { SANDBOX_HOSTNAME, type SharedHostFiles } from './host-files.js'
import { containerLabels, LABEL_UID, type SessionIdentity } from './labels.js'
import { SECCOMP_PROFILE_JSON, SECCOMP_RULES } from './seccomp-profile.js'
import { volumeBinds } from './volumes.js'

/**
 * The container's init (pid 1), from the sandbox image (images/base/keeper.c): it reaps zombies like
 * docker-init, and it and the main command it starts (the config's `command`, or the egress forwarder) are
 * not dumpable, so the guest's processes, which run as the same uid, cannot open their /proc/<pid>/mem and
 * run code in a process the run killer keeps. Without a main command it alone keeps the container alive.
 */
export const KEEPER_PATH = '/usr/local/sbin/sandtier-keeper'

/**
 * The image's resident runner (images/sandbox/harness/runner.py), the main command of containers of an image
 * that has it (label RUNNER_LABEL) and no other main command: runs are messages to it over the container's
 * attached stdin/stdout (runner-channel.ts) instead of one exec each.
 */
export const RUNNER_COMMAND = ['python3', '/opt/sandtier/runner.py']
/** The image label that says the image has the runner. */
export const RUNNER_LABEL = 'sandtier.runner'

/** True when a create request runs the runner as its main command. */
export function runsRunner(spec: Dockerode.ContainerCreateOptions): boolean {
  return JSON.stringify(spec.Cmd) === JSON.stringify(RUNNER_COMMAND)
}

/** Set by the keeper for its main command (see images/base/keeper-preload.c); never from the config. */
const KEEPER_VARIABLE = 'SANDTIER_KEEP'

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
    // The working directory, scripts written here may be executed; withSandboxUser makes the uid its owner.
    '/work': `rw,nosuid,nodev,exec,${size},mode=0755`,
  }
}

/**
 * Read-only binds of the neutral host files over Docker's per-container ones (Docker skips its own when a
 * mount has the same target) and, under runsc, over /dev/fuse: gVisor always offers a FUSE device, and the
 * guest has no use for it (mount is refused).
 */
function hostFileMounts(
  files: SharedHostFiles,
  runtime: ContainerRuntime,
): Dockerode.MountSettings[] {
  const bind = (Source: string, Target: string): Dockerode.MountSettings => ({
    Type: 'bind',
    Source,
    Target,
    ReadOnly: true,
  })
  const mounts = [
    bind(files.hosts, '/etc/hosts'),
    bind(files.hostname, '/etc/hostname'),
    bind(files.resolvConf, '/etc/resolv.conf'),
  ]
  if (runtime === 'runsc') mounts.push(bind(files.empty, '/dev/fuse'))
  return mounts
}

function environment(config: ResolvedConfig, runtime: ContainerRuntime): string[] {
  // Only what the config says, never the host's environment; HOME points at the writable work directory.
  // Secrets appear as their placeholders only; the values stay on the host (the egress proxy puts them in).
  const env: Record<string, string> = {
    HOME: '/work',
    ...config.container.env,
    ...secretPlaceholders(config.network.secrets),
  }
  delete env[KEEPER_VARIABLE]
  // runsc applies the OCI profile to the container's init only; the image installs it in exec'd processes
  // from this variable (images/base/seccomp-preload.c), which the config cannot override.
  if (runtime === 'runsc') env['SANDTIER_SECCOMP'] = SECCOMP_RULES
  return Object.entries(env).map(([k, v]) => `${k}=${v}`)
}

function ulimits(runtime: ContainerRuntime, pidLimit: number): Dockerode.HostConfig['Ulimits'] {
  const limits = [
    { Name: 'nofile', Soft: 4096, Hard: 4096 },
    { Name: 'core', Soft: 0, Hard: 0 },
  ]
  // Under runc the pids cgroup counts the guest's tasks already; under runsc it counts Sentry threads, and
  // gVisor enforces RLIMIT_NPROC per sandbox.
  if (runtime === 'runsc') limits.push({ Name: 'nproc', Soft: pidLimit, Hard: pidLimit })
  return limits
}

/** Everything a create request needs besides the config. */
export interface ContainerSpecOptions {
  runtime: ContainerRuntime
  tier: TierId
  identity: SessionIdentity
  /** The neutral files mounted over Docker's /etc/hosts, /etc/hostname and /etc/resolv.conf. */
  hostFiles: SharedHostFiles
  /** The image has the resident runner (RUNNER_LABEL): it is the main command unless the config sets one. */
  runner?: boolean
}

/**
 * The create request for a sandbox container, without its user: every container gets its own through
 * withSandboxUser (startContainer refuses a request without one). Containers whose requests differ only in
 * their user and labels are interchangeable (hardeningKey).
 * @throws ConfigError for volumes that would expose the host (see volumes.ts).
 */
export function containerSpec(
  config: ResolvedConfig,
  { runtime, tier, identity, hostFiles, runner = false }: ContainerSpecOptions,
): Dockerode.ContainerCreateOptions {
  const { container } = config
  // The runner's channel is the container's stdin/stdout, attached once (runner-channel.ts).
  const withRunner = runner && container.command === undefined
  // runsc applies the profile only with --oci-seccomp (scripts/engine-up.sh sets it; the preflight checks it),
  // and only to the container's init process: see environment() for the processes of `docker exec`.
  const securityOpt = ['no-new-privileges:true', `seccomp=${SECCOMP_PROFILE_JSON}`]
  return {
    Image: container.image,
    // The keeper is pid 1 and the only process of init's session unless there is a main command (its
    // arguments); Docker uses neither the image's entrypoint nor its CMD when the request has an entrypoint.
    Entrypoint: [KEEPER_PATH],
    Cmd: container.command ?? (withRunner ? RUNNER_COMMAND : []),
    Hostname: SANDBOX_HOSTNAME,
    WorkingDir: '/work',
    Env: environment(config, runtime),
    Labels: containerLabels(identity, tier),
    Tty: false,
    OpenStdin: withRunner,
    StdinOnce: false,
    AttachStdin: withRunner,
    AttachStdout: withRunner,
    AttachStderr: withRunner,
    // No network comes from NetworkMode 'none' (an interface list of `lo` alone). NetworkDisabled on top would
    // leave runsc's loopback down: a program talking to itself on 127.0.0.1 would work on runc only.
    NetworkDisabled: false,
    // Nothing in a sandbox needs a graceful stop; an engine shutting down should not wait 10 s per container.
    StopTimeout: 1,
    HostConfig: {
      Runtime: runtime,
      // docker-init (tini) would be pid 1 instead of the keeper, and dumpable.
      Init: false,
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
      Mounts: hostFileMounts(hostFiles, runtime),
      LogConfig: { Type: 'none', Config: {} },
      // In a host-wide memory shortage, sandboxes die before anything else. With the runner, its runs raise
      // theirs to 1000 so that at the container's memory limit the kernel kills the run, not the runner.
      OomScoreAdj: withRunner ? 900 : 1000,
      Privileged: false,
      AutoRemove: false,
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    },
  } as Dockerode.ContainerCreateOptions
}

/**
 * The request of one container: it runs as `uid` (user and group), its /work is owned by it, and the uid is
 * in its labels so that startContainer can bind it to the container.
 */
export function withSandboxUser(
  spec: Dockerode.ContainerCreateOptions,
  uid: number,
): Dockerode.ContainerCreateOptions {
  const tmpfs = spec.HostConfig?.Tmpfs ?? {}
  return {
    ...spec,
    User: `${uid}:${uid}`,
    Labels: { ...spec.Labels, [LABEL_UID]: String(uid) },
    HostConfig: {
      ...spec.HostConfig,
      Tmpfs: { ...tmpfs, '/work': `${tmpfs['/work'] ?? 'rw'},uid=${uid},gid=${uid}` },
    },
  }
}

/** The uid withSandboxUser gave a request, or undefined. */
export function sandboxUidOf(spec: Dockerode.ContainerCreateOptions): number | undefined {
  const uid = Number(spec.Labels?.[LABEL_UID])
  return Number.isInteger(uid) && spec.User === `${uid}:${uid}` ? uid : undefined
}

/** Identifies containers that are interchangeable: same image, runtime and hardening (labels aside). */
export function hardeningKey(spec: Dockerode.ContainerCreateOptions): string {
  const { Labels: _labels, ...rest } = spec
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 32)
}
