/**
 * A session's interpreter as the host knows it under runc (issue 15): recorded from the host's own census
 * right after the interpreter started and before any guest code ran in it, never from the runner's word.
 * At that moment the container holds init's session (the keeper and the runner) and one process more: the
 * interpreter, leader of a session of its own, whose parent is in init's session. Anything else then, or
 * later, is a stranger: the census that checks a session's run leaves out that one host pid (with its start
 * time, so a reused pid is a stranger again), and nothing else.
 */
import { readFile } from 'node:fs/promises'
import { isAlive } from './proc-stat.js'
import { hostStat, type ProcessCensus } from './process-census.js'

/** The live interpreter of a session, in the host's terms. */
export interface SessionProcess {
  /** Its pid in the host's pid namespace. */
  hostPid: number
  /** Its start time (clock ticks after boot): with hostPid, the process and no other. */
  startTicks: number
  /** Its pid in the container's pid namespace, for the in-sandbox killer to spare (kill-run.sh). */
  nsPid: number
}

/** Its pid in the innermost pid namespace, from the host's /proc/<pid>/status (NSpid). */
async function namespacePid(hostPid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${hostPid}/status`, 'utf8')
    const line = /^NSpid:\s+([\d\s]+)$/m.exec(status)?.[1]
    const last = Number(line?.trim().split(/\s+/).pop())
    return Number.isInteger(last) && last > 0 ? last : undefined
  } catch {
    return undefined
  }
}

/**
 * The freshly started interpreter: the census's only stranger, a session leader whose parent is in init's
 * session. Undefined when the census shows anything else (no such process, or more than one stranger).
 */
export async function findSessionProcess(
  census: ProcessCensus,
): Promise<SessionProcess | undefined> {
  const strangers = await census.strangers()
  if (strangers?.length !== 1) return undefined
  const hostPid = strangers[0] as number
  const stat = await hostStat(hostPid)
  if (!stat || stat.session !== hostPid || !isAlive(stat)) return undefined
  const parent = await hostStat(stat.ppid)
  if (parent?.session !== census.initPid) return undefined
  const nsPid = await namespacePid(hostPid)
  if (nsPid === undefined) return undefined
  return { hostPid, startTicks: stat.startTicks, nsPid }
}

/** True while that very process (same pid, same start time) is alive. */
export async function sessionAlive(proc: SessionProcess): Promise<boolean> {
  const stat = await hostStat(proc.hostPid)
  return stat !== undefined && stat.startTicks === proc.startTicks && isAlive(stat)
}

/** The census of a session's run: the live interpreter is not a stranger, everything else still is. */
export function sparingSession(census: ProcessCensus, proc: SessionProcess): ProcessCensus {
  return {
    initPid: census.initPid,
    async strangers() {
      const strangers = await census.strangers()
      if (strangers === undefined || !strangers.includes(proc.hostPid)) return strangers
      return (await sessionAlive(proc))
        ? strangers.filter((pid) => pid !== proc.hostPid)
        : strangers
    },
  }
}
