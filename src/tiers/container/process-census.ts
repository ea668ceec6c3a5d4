/**
 * The host's own list of a runc container's processes: the cgroup's `cgroup.procs` read on the host, and each
 * process's session read from the host's /proc. Nothing inside the sandbox can hide from it or forge it, so
 * it is what verifies, after a run, that only the container's own processes are left: init (the container's
 * first process, `State.Pid`) and the processes of init's session (the container's main command). Every exec
 * is the leader of a session of its own, so whatever a run started is outside init's session.
 *
 * Not available under runsc (its cgroup holds the Sentry's host threads, not guest processes), nor when this
 * process cannot read the host's cgroup files and /proc (a remote engine, sandtier in a container without the
 * host's pid namespace): the in-sandbox killer's own final scan is the check there.
 */
import { readFile } from 'node:fs/promises'
import type Dockerode from 'dockerode'
import { cgroupDirs } from './cgroup-stats.js'
import { engineCall } from './engine-call.js'
import type { ContainerRuntime, EngineInfo } from './engine.js'
import { isAlive, parseProcStat, type ProcStat } from './proc-stat.js'

export interface ProcessCensus {
  /** Host pid of the container's init (State.Pid), whose session is the container's own. */
  readonly initPid: number
  /**
   * Host pids of the live processes that are not the container's own; [] when only those are left;
   * undefined when the list cannot be read (the container's cgroup is gone).
   */
  strangers(): Promise<number[] | undefined>
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch {
    return undefined
  }
}

export async function hostStat(pid: number): Promise<ProcStat | undefined> {
  const text = await readText(`/proc/${pid}/stat`)
  return text === undefined ? undefined : parseProcStat(text)
}

async function procsFile(
  id: string,
  info: Pick<EngineInfo, 'cgroupVersion' | 'cgroupDriver'>,
): Promise<string | undefined> {
  const controller = info.cgroupVersion === '2' ? '' : 'pids'
  for (const dir of cgroupDirs(id, info, controller)) {
    const file = `${dir}/cgroup.procs`
    if ((await readText(file)) !== undefined) return file
  }
  return undefined
}

function censusOf(file: string, initPid: number): ProcessCensus {
  return {
    initPid,
    async strangers() {
      const text = await readText(file)
      if (text === undefined) return undefined
      const pids = text
        .split('\n')
        .filter((line) => line !== '')
        .map(Number)
      const stats = await Promise.all(
        pids.filter((pid) => pid !== initPid).map((pid) => hostStat(pid)),
      )
      // A process whose stat is gone exited between the two reads.
      return stats
        .filter((s): s is ProcStat => s !== undefined && s.session !== initPid && isAlive(s))
        .map((s) => s.pid)
    },
  }
}

/**
 * The census of a runc container, or undefined where the host cannot take one (see the module comment).
 * Costs one `inspect` (for init's host pid); the census itself reads a few small files.
 */
export async function openProcessCensus(
  container: Dockerode.Container,
  info: Pick<EngineInfo, 'cgroupVersion' | 'cgroupDriver'>,
  runtime: ContainerRuntime,
): Promise<ProcessCensus | undefined> {
  if (runtime !== 'runc') return undefined
  try {
    const [file, inspected] = await Promise.all([
      procsFile(container.id, info),
      engineCall('inspect container', () => container.inspect(), 5000),
    ])
    const initPid = inspected.State.Pid
    if (file === undefined || !initPid) return undefined
    // init leads its own session in the host's pid namespace; anything else means this /proc is not the host's.
    const init = await hostStat(initPid)
    if (init?.session !== initPid) return undefined
    return censusOf(file, initPid)
  } catch {
    return undefined
  }
}
