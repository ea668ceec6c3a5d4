/**
 * Creating, inspecting, killing and removing sandbox containers. Removal is always forced and tolerates a
 * container that is already gone, so cleanup paths never throw for the normal case. A container holds its
 * sandbox uid (see sandbox-uids.ts) from its create until its removal.
 */
import type Dockerode from 'dockerode'
import { engineCall, isEngineUnreachable, ContainerEngineError } from './engine-call.js'
import { sandboxUidOf } from './hardening.js'
import { bindUid, releaseContainerUid, releaseUid } from './sandbox-uids.js'

/** What the engine says about a container after a run. */
export interface ContainerState {
  running: boolean
  exitCode: number
  oomKilled: boolean
  /** The container no longer exists. */
  missing: boolean
}

/**
 * Creates and starts a container; a container that was created but failed to start is removed. The request
 * must carry a sandbox uid (withSandboxUser): the container holds it until removeContainer, a failed create
 * frees it.
 * @throws EngineError; Error for a request without a sandbox uid (a bug: it would run as the image's user).
 */
export async function startContainer(
  docker: Dockerode,
  spec: Dockerode.ContainerCreateOptions,
): Promise<Dockerode.Container> {
  const uid = sandboxUidOf(spec)
  if (uid === undefined) throw new Error('startContainer: the request has no sandbox uid')
  let container: Dockerode.Container
  try {
    container = await engineCall('create container', () => docker.createContainer(spec))
  } catch (error) {
    releaseUid(uid)
    throw error
  }
  bindUid(container.id, uid)
  try {
    await engineCall('start container', () => container.start())
  } catch (error) {
    await removeContainer(container)
    throw error
  }
  return container
}

/**
 * Force-removes a container; a missing one or an unreachable engine is not an error here. Its uid is freed
 * once the engine said the container is gone (an unreachable engine may still run it: the uid stays held).
 */
export async function removeContainer(
  container: Dockerode.Container,
  timeoutMs = 30_000,
): Promise<void> {
  try {
    await engineCall(
      'remove container',
      () => container.remove({ force: true, v: true }),
      timeoutMs,
    )
  } catch (error) {
    if (isEngineUnreachable(error)) return
    // 404: already gone. 409: a removal is already in progress; the uid is freed by that caller.
    if (error instanceof ContainerEngineError && error.statusCode === 404)
      return releaseContainerUid(container.id)
    if (error instanceof ContainerEngineError && error.statusCode === 409) return
    throw error
  }
  releaseContainerUid(container.id)
}

/** SIGKILLs every process of the container (the container stops; it is not removed). */
export async function killContainer(
  container: Dockerode.Container,
  timeoutMs = 1500,
): Promise<boolean> {
  try {
    await engineCall('kill container', () => container.kill({ signal: 'SIGKILL' }), timeoutMs)
    return true
  } catch (error) {
    // 409: not running any more, which is what we wanted.
    return (
      error instanceof ContainerEngineError &&
      (error.statusCode === 409 || error.statusCode === 404)
    )
  }
}

/**
 * Inspects a container.
 * @throws EngineError when the engine cannot be reached.
 */
export async function inspectContainer(
  container: Dockerode.Container,
  timeoutMs = 5000,
): Promise<ContainerState> {
  try {
    const info = await engineCall('inspect container', () => container.inspect(), timeoutMs)
    return {
      running: info.State.Running,
      exitCode: info.State.ExitCode,
      oomKilled: info.State.OOMKilled,
      missing: false,
    }
  } catch (error) {
    if (error instanceof ContainerEngineError && error.statusCode === 404)
      return { running: false, exitCode: -1, oomKilled: false, missing: true }
    throw error
  }
}
