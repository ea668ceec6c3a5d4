/**
 * Per-container accounting from the host's cgroup files: CPU time, memory peak, OOM kills and pids-limit
 * hits. Reading a sysfs file costs microseconds, against milliseconds for a stats API call, so the tier reads
 * the files when the engine is local and the process may read them (root on this host), and falls back to
 * the engine's stats API otherwise. cgroup v1 (this host) and v2 are both understood.
 */
import { readFile, writeFile, access } from 'node:fs/promises'
import type Dockerode from 'dockerode'
import type { EngineInfo } from './engine.js'

/** Cumulative counters of one container since it started. */
export interface CgroupCounters {
  /** CPU time of every task in the container (guest, harness and, under runsc, the Sentry). */
  cpuNs: number
  /** Highest memory usage since start or the last resetPeak(); 0 when unknown. */
  memoryPeakBytes: number
  /** Processes the kernel OOM killer killed in the container; undefined when unknown. */
  oomKills: number | undefined
  /** Times a fork/clone failed on the pids limit; undefined when unknown. */
  pidsLimitHits: number | undefined
}

/** Reads one container's counters. */
export interface CgroupReader {
  readonly source: 'cgroup-v1' | 'cgroup-v2' | 'stats-api'
  read(): Promise<CgroupCounters | undefined>
  /** Starts a new memory peak window (one run); a no-op where the kernel or permissions do not allow it. */
  resetPeak(): Promise<void>
  /**
   * Anonymous memory charged to the container (v1 total_rss, v2 anon); undefined where unknown. Under runsc
   * the guest's memory and its tmpfs files live in gVisor's memory file (shmem), so this is the runtime's own:
   * the Sentry's and the gofer's heaps (container-rotation.ts).
   */
  anonBytes(): Promise<number | undefined>
}

const ROOT = '/sys/fs/cgroup'

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch {
    return undefined
  }
}

/** The value after `key ` in a flat-keyed cgroup file (memory.oom_control, pids.events, cpu.stat). */
export function keyedValue(text: string | undefined, key: string): number | undefined {
  if (text === undefined) return undefined
  const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(text)
  return match?.[1] === undefined ? undefined : Number(match[1])
}

function num(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text.trim())
  return Number.isFinite(n) ? n : undefined
}

/** Candidate directories of a container's cgroup (cgroupfs and systemd drivers). */
export function cgroupDirs(
  id: string,
  info: Pick<EngineInfo, 'cgroupVersion' | 'cgroupDriver'>,
  controller: string,
): string[] {
  const base = info.cgroupVersion === '2' ? ROOT : `${ROOT}/${controller}`
  const cgroupfs = `${base}/docker/${id}`
  const systemd = `${base}/system.slice/docker-${id}.scope`
  return info.cgroupDriver === 'systemd' ? [systemd, cgroupfs] : [cgroupfs, systemd]
}

async function firstExisting(dirs: string[]): Promise<string | undefined> {
  for (const dir of dirs) {
    try {
      await access(dir)
      return dir
    } catch {
      // next candidate
    }
  }
  return undefined
}

function v1Reader(memory: string, cpuacct: string, pids: string | undefined): CgroupReader {
  return {
    source: 'cgroup-v1',
    async read() {
      const [cpu, peak, oom, events] = await Promise.all([
        readText(`${cpuacct}/cpuacct.usage`),
        readText(`${memory}/memory.max_usage_in_bytes`),
        readText(`${memory}/memory.oom_control`),
        pids ? readText(`${pids}/pids.events`) : undefined,
      ])
      const cpuNs = num(cpu)
      // The container's cgroup is gone: it died or was removed.
      if (cpuNs === undefined) return undefined
      return {
        cpuNs,
        memoryPeakBytes: num(peak) ?? 0,
        oomKills: keyedValue(oom, 'oom_kill'),
        pidsLimitHits: keyedValue(events, 'max'),
      }
    },
    async resetPeak() {
      await writeFile(`${memory}/memory.max_usage_in_bytes`, '0').catch(() => undefined)
    },
    async anonBytes() {
      return keyedValue(await readText(`${memory}/memory.stat`), 'total_rss')
    },
  }
}

function v2Reader(dir: string): CgroupReader {
  return {
    source: 'cgroup-v2',
    async read() {
      const [cpu, peak, events, pids] = await Promise.all([
        readText(`${dir}/cpu.stat`),
        readText(`${dir}/memory.peak`),
        readText(`${dir}/memory.events`),
        readText(`${dir}/pids.events`),
      ])
      const usec = keyedValue(cpu, 'usage_usec')
      if (usec === undefined) return undefined
      return {
        cpuNs: usec * 1000,
        memoryPeakBytes: num(peak) ?? 0,
        oomKills: keyedValue(events, 'oom_kill'),
        pidsLimitHits: keyedValue(pids, 'max'),
      }
    },
    async resetPeak() {
      // Kernels >= 6.12 reset memory.peak on write; older ones refuse, and the peak covers the container's life.
      await writeFile(`${dir}/memory.peak`, 'reset').catch(() => undefined)
    },
    async anonBytes() {
      return keyedValue(await readText(`${dir}/memory.stat`), 'anon')
    },
  }
}

interface StatsResponse {
  cpu_stats?: { cpu_usage?: { total_usage?: number } }
  memory_stats?: { max_usage?: number; usage?: number }
}

function statsApiReader(container: Dockerode.Container): CgroupReader {
  return {
    source: 'stats-api',
    async read() {
      try {
        // one-shot: answer at once instead of waiting a second to compute CPU percentages.
        const stats = (await container.stats({ stream: false, 'one-shot': true } as {
          stream: false
        })) as StatsResponse
        const cpuNs = stats.cpu_stats?.cpu_usage?.total_usage
        if (cpuNs === undefined) return undefined
        const memory = stats.memory_stats
        return {
          cpuNs,
          memoryPeakBytes: memory?.max_usage ?? memory?.usage ?? 0,
          oomKills: undefined,
          pidsLimitHits: undefined,
        }
      } catch {
        return undefined
      }
    },
    async resetPeak() {},
    anonBytes: () => Promise.resolve(undefined),
  }
}

/**
 * A reader for the container: the host's cgroup files when this process can see them (a local engine), else
 * the stats API (a remote engine, or sandtier itself running in a container).
 */
export async function openCgroupReader(
  container: Dockerode.Container,
  info: Pick<EngineInfo, 'cgroupVersion' | 'cgroupDriver'>,
): Promise<CgroupReader> {
  const id = container.id
  if (info.cgroupVersion === '1') {
    const [memory, cpuacct, pids] = await Promise.all([
      firstExisting(cgroupDirs(id, info, 'memory')),
      firstExisting(cgroupDirs(id, info, 'cpuacct')),
      firstExisting(cgroupDirs(id, info, 'pids')),
    ])
    if (memory && cpuacct) return v1Reader(memory, cpuacct, pids)
  } else {
    const dir = await firstExisting(cgroupDirs(id, info, ''))
    if (dir) return v2Reader(dir)
  }
  return statsApiReader(container)
}
