/**
 * Labels on every sandtier container (and `sandtier.uid`, the container's own uid), and who owns a container:
 * a session (one tier instance), a process (pid) and a host boot. A container whose owner process is gone is an
 * orphan (see orphans.ts).
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { TierId } from '../../types.js'

export const LABEL = 'sandtier'
export const LABEL_SESSION = 'sandtier.session'
export const LABEL_TIER = 'sandtier.tier'
export const LABEL_PID = 'sandtier.pid'
export const LABEL_BOOT = 'sandtier.boot'
export const LABEL_CREATED = 'sandtier.created'
/** The host uid the container runs as (see sandbox-uids.ts). */
export const LABEL_UID = 'sandtier.uid'

/** Who owns the containers a tier creates. */
export interface SessionIdentity {
  /** Random per tier instance. */
  sessionId: string
  /** The owning Node process. */
  pid: number
  /** Linux boot id: a pid is only meaningful within one boot. */
  bootId: string
}

let cachedBootId: string | undefined

/** The host's boot id, or 'unknown' where /proc does not have it. */
export function readBootId(): string {
  cachedBootId ??= (() => {
    try {
      return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    } catch {
      return 'unknown'
    }
  })()
  return cachedBootId
}

/** A new identity for a tier instance in this process. */
export function newSessionIdentity(): SessionIdentity {
  return { sessionId: randomUUID(), pid: process.pid, bootId: readBootId() }
}

/** The labels every container of this session carries. */
export function containerLabels(identity: SessionIdentity, tier: TierId): Record<string, string> {
  return {
    [LABEL]: '1',
    [LABEL_SESSION]: identity.sessionId,
    [LABEL_TIER]: tier,
    [LABEL_PID]: String(identity.pid),
    [LABEL_BOOT]: identity.bootId,
    [LABEL_CREATED]: new Date().toISOString(),
  }
}
