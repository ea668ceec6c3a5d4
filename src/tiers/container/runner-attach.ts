/**
 * Which images have the resident runner, and the one attach of each runner container (memoized per
 * container: the warm pool attaches while the container waits, the sandbox that takes it reuses that).
 */
import type Dockerode from 'dockerode'
import { engineCall } from './engine-call.js'
import { RUNNER_LABEL } from './hardening.js'
import { RunnerChannel } from './runner-channel.js'

const channels = new WeakMap<Dockerode.Container, Promise<RunnerChannel>>()

/** True when the image says it has the runner (label sandtier.runner=1, inherited by derived images). */
export async function imageHasRunner(docker: Dockerode, image: string): Promise<boolean> {
  try {
    const info = await engineCall('inspect image', () => docker.getImage(image).inspect(), 10_000)
    return info.Config?.Labels?.[RUNNER_LABEL] === '1'
  } catch {
    return false
  }
}

/**
 * The container's runner channel, attached and greeted once.
 * @throws EngineError when the attach fails; Error when the runner does not answer.
 */
export function attachRunner(container: Dockerode.Container): Promise<RunnerChannel> {
  let channel = channels.get(container)
  if (!channel) {
    channel = RunnerChannel.open(container)
    channels.set(container, channel)
  }
  return channel
}
