/**
 * The hedge points of a manager's runs on one timer (issue 17). A timer per run (and its clearTimeout when
 * the run ends first, as nearly every run does) cost each run('1+1') more than the rest of the hedge; here a
 * run's probe is an entry in a set, and one timer, armed for the earliest entry, serves them all.
 *
 * The timer is not cleared when a run ends: it fires at most once per probe length while runs come and go,
 * finds nothing due (or the next entry) and re-arms only if entries are left. It holds the process only
 * while an entry waits (a pending run holds it anyway through its engine; an idle manager never does).
 */

/** One run's probe: `fire` is called once at `dueMs` (a performance.now() time) unless removed first. */
export interface ProbeEntry {
  dueMs: number
  fire: () => void
}

export class ProbeWheel {
  readonly #entries = new Set<ProbeEntry>()
  #timer: NodeJS.Timeout | undefined
  /** When the armed timer fires, as a performance.now() time. */
  #armedMs = Infinity

  /** Calls `fire` in `afterMs`, unless `remove` comes first. */
  add(afterMs: number, fire: () => void): ProbeEntry {
    const entry: ProbeEntry = { dueMs: performance.now() + afterMs, fire }
    this.#entries.add(entry)
    if (entry.dueMs < this.#armedMs) this.#arm(entry.dueMs)
    else if (this.#entries.size === 1) this.#timer?.ref()
    return entry
  }

  remove(entry: ProbeEntry | undefined): void {
    if (!entry || !this.#entries.delete(entry)) return
    if (this.#entries.size === 0) this.#timer?.unref()
  }

  /** Entries waiting (for tests and stats). */
  get size(): number {
    return this.#entries.size
  }

  #arm(dueMs: number): void {
    clearTimeout(this.#timer)
    this.#armedMs = dueMs
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, dueMs - performance.now()))
  }

  #tick(): void {
    this.#timer = undefined
    this.#armedMs = Infinity
    // A timer fires up to a millisecond early by performance.now(): what is due within it fires now.
    const now = performance.now() + 1
    let nextMs = Infinity
    const due: ProbeEntry[] = []
    for (const entry of this.#entries) {
      if (entry.dueMs <= now) due.push(entry)
      else if (entry.dueMs < nextMs) nextMs = entry.dueMs
    }
    for (const entry of due) this.#entries.delete(entry)
    if (nextMs !== Infinity) this.#arm(nextMs)
    for (const entry of due) entry.fire()
  }
}
