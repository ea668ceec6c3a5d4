/**
 * Removes containers left behind by sandtier processes that died without cleaning up (SIGKILL, crash): a
 * killed client does not stop its containers (the engine keeps them running). A container is an orphan when
 * it carries `sandtier=1`, belongs to another session, and its owner process is gone: another boot of the
 * host, or a pid that no longer exists. Containers of live sandtier processes (other test files, other
 * programs) are never touched.
 */
import type Dockerode from 'dockerode'
import { removeContainer } from './container-lifecycle.js'
import { engineCall } from './engine-call.js'
import { LABEL, LABEL_BOOT, LABEL_PID, LABEL_SESSION, type SessionIdentity } from './labels.js'

/** True when process `pid` exists on this host (EPERM means it exists but is not ours). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Whether a container with these labels is an orphan, from the point of view of `self`. */
export function isOrphan(
  labels: Record<string, string | undefined>,
  self: SessionIdentity,
): boolean {
  if (labels[LABEL] !== '1') return false
  if (labels[LABEL_SESSION] === self.sessionId) return false
  const pid = Number(labels[LABEL_PID])
  const boot = labels[LABEL_BOOT]
  // Without an owner pid we cannot tell whether its owner lives: leave it alone.
  if (!Number.isInteger(pid) || pid <= 0) return false
  if (boot !== undefined && boot !== self.bootId) return true
  return !isProcessAlive(pid)
}

/**
 * Removes every orphan; returns how many were removed.
 * @throws EngineError when the engine cannot list containers.
 */
export async function reapOrphans(docker: Dockerode, self: SessionIdentity): Promise<number> {
  const containers = await engineCall('list containers', () =>
    docker.listContainers({ all: true, filters: { label: [`${LABEL}=1`] } }),
  )
  const orphans = containers.filter((c) => isOrphan(c.Labels, self))
  await Promise.allSettled(orphans.map((c) => removeContainer(docker.getContainer(c.Id))))
  return orphans.length
}

/** Ids of containers labelled with `sessionId` (tests assert none remain). */
export async function sessionContainers(docker: Dockerode, sessionId: string): Promise<string[]> {
  const containers = await engineCall('list containers', () =>
    docker.listContainers({ all: true, filters: { label: [`${LABEL_SESSION}=${sessionId}`] } }),
  )
  return containers.map((c) => c.Id)
}
