/**
 * The container tier's mechanism for one run's limits: the wall-clock timer, the CPU-time watch, the
 * termination under way once the shared RunDeadline took its first stop reason, and the container's own
 * death (watched with the engine's long-poll `wait`, because under runsc a sandbox killed by its cgroup
 * leaves the exec stream open).
 */
import type Dockerode from 'dockerode'
import { RunDeadline, type StopReason } from '../../limits/deadline.js'
import type { CgroupCounters, CgroupReader } from './cgroup-stats.js'
import type { ProcessCensus } from './process-census.js'
import { endRun, type TerminationOutcome } from './terminate-run.js'

/** How often CPU time is sampled when a CPU limit can be reached before the wall-clock limit. */
const CPU_POLL_MS = 100

export class RunControl {
  /**
   * Made with the control: a stop (the output cap, a cancel) may come before the process starts; the
   * wall-clock timer starts with the process (startClock).
   */
  readonly deadline: RunDeadline
  termination: Promise<TerminationOutcome> | undefined
  /** The container stopped during the run (it died; we did not kill it). */
  containerExited = false
  /** Resolves when the run was stopped or the container exited. */
  readonly interrupted: Promise<void>
  #interrupt!: () => void
  /** The last counters read during the run: the fallback when the container (and its cgroup) is gone. */
  lastSample: CgroupCounters | undefined
  readonly #container: Dockerode.Container
  readonly #cgroup: CgroupReader
  readonly #census: ProcessCensus | undefined
  readonly #waitAbort = new AbortController()
  #cpuPoll: NodeJS.Timeout | undefined
  #wallTimer: NodeJS.Timeout | undefined
  #before: CgroupCounters | undefined

  /**
   * @param watchExit watch the container with the engine's `wait`: needed under runsc, where a sandbox
   * killed by its cgroup leaves the exec stream open. Under runc the stream ends with the container's
   * processes, so the extra engine request per run is skipped.
   * @param census the host's census of the container's processes (runc), which checks the kill.
   */
  constructor(
    container: Dockerode.Container,
    cgroup: CgroupReader,
    census: ProcessCensus | undefined,
    watchExit: boolean,
    timeoutMs: number,
  ) {
    this.deadline = new RunDeadline(timeoutMs)
    this.#container = container
    this.#cgroup = cgroup
    this.#census = census
    this.interrupted = new Promise((resolve) => (this.#interrupt = resolve))
    if (!watchExit) return
    container.wait({ abortSignal: this.#waitAbort.signal }).then(
      () => {
        if (this.#waitAbort.signal.aborted) return
        this.containerExited = true
        this.#interrupt()
      },
      // Aborted at the end of the run, or the engine went away (the exec stream reports that).
      () => undefined,
    )
  }

  /**
   * Stops the run for `reason` and starts killing its processes; later reasons are ignored. The counters
   * are sampled first: killing may take the container and its cgroup with it. `onKillStarted`: see endRun.
   */
  request(reason: StopReason, onKillStarted?: () => void): void {
    if (!this.deadline.stop(reason)) return
    this.termination = this.sample().then((now) => {
      const refused = (now?.pidsLimitHits ?? 0) > (this.#before?.pidsLimitHits ?? 0)
      return endRun(this.#container, {
        census: this.#census,
        normalEnd: false,
        pidsExhausted: refused,
        onKillStarted,
      })
    })
    this.#interrupt()
  }

  /** The first reason the run was stopped for. */
  get stop(): StopReason | undefined {
    return this.deadline.reason
  }

  /** The run's process started: its wall-clock limit counts from now. */
  startClock(): void {
    this.#wallTimer = setTimeout(() => this.request('timeout'), this.deadline.limitMs)
  }

  /** Reads the counters, remembering them as the last sample. */
  async sample(): Promise<CgroupCounters | undefined> {
    const now = await this.#cgroup.read()
    if (now) this.lastSample = now
    return now ?? this.lastSample
  }

  /** The counters at the start of the run: what a stop compares against. */
  setBaseline(before: CgroupCounters | undefined): void {
    this.#before = before
    this.lastSample = before
  }

  /** Samples CPU time and stops the run with 'cpu' past `cpuTimeMs`. */
  watchCpu(before: CgroupCounters | undefined, cpuTimeMs: number): void {
    if (!before || this.#cgroup.source === 'stats-api') return
    this.#cpuPoll = setInterval(() => {
      void this.sample().then((now) => {
        if (now && (now.cpuNs - before.cpuNs) / 1e6 >= cpuTimeMs) this.request('cpu')
      })
    }, CPU_POLL_MS)
    this.#cpuPoll.unref()
  }

  /** Ends the watches (the run is over). */
  dispose(): void {
    clearTimeout(this.#wallTimer)
    clearInterval(this.#cpuPoll)
    this.#waitAbort.abort()
  }
}
