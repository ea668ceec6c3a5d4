/**
 * Access to the local Docker engine: the dockerode client, what the engine runs (versions, runtimes, cgroup
 * layout) and the preflight that turns "not here" into a TierUnavailableError with a fix.
 */
import Dockerode from 'dockerode'
import { imageBuildHint } from '../../config/container.js'
import { TierUnavailableError } from '../../errors.js'
import type { TierAvailability } from '../tier.js'
import { ContainerEngineError, engineCall } from './engine-call.js'

/** What to do when the engine, runsc or the image is missing. */
export const ENGINE_HINT = 'Run scripts/engine-up.sh as root, or install docker.io and runsc'

/** The OCI runtimes the container tiers run on. */
export type ContainerRuntime = 'runc' | 'runsc'

/** The engine facts the container tiers depend on. */
export interface EngineInfo {
  serverVersion: string
  apiVersion: string
  /** Registered runtimes: name → path and runtime arguments. */
  runtimes: Record<string, { path: string; runtimeArgs?: string[] }>
  cgroupVersion: '1' | '2'
  cgroupDriver: string
  kernelVersion: string
  runcVersion: string | undefined
  cpus: number
  /** Docker's data root, to tell a local engine from a remote one. */
  dockerRootDir: string
}

/** A dockerode client for DOCKER_HOST when it is a unix socket, else /var/run/docker.sock. */
export function createDockerClient(): Dockerode {
  const host = process.env['DOCKER_HOST']
  const socketPath = host?.startsWith('unix://')
    ? host.slice('unix://'.length)
    : '/var/run/docker.sock'
  return new Dockerode({ socketPath })
}

interface RawInfo {
  ServerVersion?: string
  Runtimes?: Record<string, { path: string; runtimeArgs?: string[] }>
  CgroupVersion?: string
  CgroupDriver?: string
  KernelVersion?: string
  RuncCommit?: { ID?: string }
  NCPU?: number
  DockerRootDir?: string
}

/**
 * Asks the engine what it runs.
 * @throws EngineError when the engine does not answer.
 */
export async function probeEngine(docker: Dockerode, timeoutMs = 10_000): Promise<EngineInfo> {
  const [info, version] = await Promise.all([
    engineCall('info', () => docker.info() as Promise<RawInfo>, timeoutMs),
    engineCall('version', () => docker.version(), timeoutMs),
  ])
  return {
    serverVersion: info.ServerVersion ?? version.Version,
    apiVersion: version.ApiVersion,
    runtimes: info.Runtimes ?? {},
    cgroupVersion: info.CgroupVersion === '2' ? '2' : '1',
    cgroupDriver: info.CgroupDriver ?? 'cgroupfs',
    kernelVersion: info.KernelVersion ?? '',
    runcVersion: info.RuncCommit?.ID,
    cpus: info.NCPU ?? 1,
    dockerRootDir: info.DockerRootDir ?? '/var/lib/docker',
  }
}

/** True when the image exists locally (no registry is ever contacted). */
export async function hasImage(docker: Dockerode, image: string): Promise<boolean> {
  try {
    await engineCall(`inspect image ${image}`, () => docker.getImage(image).inspect(), 10_000)
    return true
  } catch (error) {
    if (error instanceof ContainerEngineError && error.statusCode === 404) return false
    throw error
  }
}

/** Why the tier cannot run, or undefined when it can. */
function missing(
  info: EngineInfo,
  runtime: ContainerRuntime,
  image: string,
  imagePresent: boolean,
): string | undefined {
  // Never fall back to runc when runsc is asked for: that would silently weaken the isolation.
  if (!(runtime in info.runtimes) && runtime !== 'runc')
    return `the Docker engine has no "${runtime}" runtime (registered: ${Object.keys(info.runtimes).join(', ')})`
  // Without --oci-seccomp runsc ignores the sandbox's seccomp profile: nested namespaces, netlink uevents…
  if (runtime === 'runsc' && !info.runtimes['runsc']?.runtimeArgs?.includes('--oci-seccomp'))
    return 'the Docker engine runs runsc without --oci-seccomp (the seccomp profile would be ignored)'
  if (!imagePresent) return `image "${image}" is missing${imageBuildHint(image)}`
  return undefined
}

/** Versions and availability of a container tier, never throwing. */
export async function checkAvailability(
  docker: Dockerode,
  runtime: ContainerRuntime,
  image: string,
): Promise<TierAvailability> {
  try {
    const info = await probeEngine(docker)
    const versions: Record<string, string> = {
      docker: info.serverVersion,
      api: info.apiVersion,
      kernel: info.kernelVersion,
      cgroup: `v${info.cgroupVersion} (${info.cgroupDriver})`,
    }
    if (info.runcVersion) versions['runc'] = info.runcVersion
    const runsc = info.runtimes['runsc']
    if (runsc) versions['runsc'] = [runsc.path, ...(runsc.runtimeArgs ?? [])].join(' ')
    const reason = missing(info, runtime, image, await hasImage(docker, image))
    return reason
      ? { available: false, versions, reason: `${reason}. ${ENGINE_HINT}` }
      : { available: true, versions }
  } catch (error) {
    return { available: false, versions: {}, reason: `${(error as Error).message}. ${ENGINE_HINT}` }
  }
}

/**
 * Verifies that the engine answers, has the runtime and the image.
 * @throws TierUnavailableError with ENGINE_HINT.
 */
export async function preflight(
  docker: Dockerode,
  tier: string,
  runtime: ContainerRuntime,
  image: string,
): Promise<EngineInfo> {
  let info: EngineInfo
  let imagePresent: boolean
  try {
    info = await probeEngine(docker)
    imagePresent = await hasImage(docker, image)
  } catch (error) {
    throw new TierUnavailableError(tier, (error as Error).message, ENGINE_HINT, { cause: error })
  }
  const reason = missing(info, runtime, image, imagePresent)
  if (reason) throw new TierUnavailableError(tier, reason, ENGINE_HINT)
  return info
}
