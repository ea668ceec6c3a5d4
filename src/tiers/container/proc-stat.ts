/**
 * `/proc/<pid>/stat` parsing that a process cannot fool with its own name: the name (field 2, in parentheses)
 * may hold spaces, ") " and newlines (`prctl(PR_SET_NAME, "x) Z\n")`), so the line is split at its LAST ")",
 * after which only numbers and the state letter follow. Field numbers are proc(5)'s, counted from 1.
 * The in-sandbox killer (images/sandbox/harness/kill-run.sh) applies the same rules in sh.
 */

/** What the run killer and the host census need from a stat line. */
export interface ProcStat {
  pid: number
  /** Field 3: R, S, D, Z, T, t, X, I, … */
  state: string
  /** Field 4. */
  ppid: number
  /** Field 5. */
  pgrp: number
  /** Field 6. */
  session: number
  /** Field 20. */
  threads: number
  /** Field 22, clock ticks after boot. */
  startTicks: number
}

/** The text of /proc/<pid>/stat → its fields; undefined when it is not a stat line. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')')
  if (close < 0) return undefined
  const pid = Number(text.slice(0, text.indexOf(' ')))
  // Field 3 is rest[0], so field n is rest[n - 3].
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/)
  const field = (n: number): number => Number(rest[n - 3])
  const stat: ProcStat = {
    pid,
    state: rest[0] ?? '',
    ppid: field(4),
    pgrp: field(5),
    session: field(6),
    threads: field(20),
    startTicks: field(22),
  }
  const numbers = [pid, stat.ppid, stat.pgrp, stat.session, stat.threads, stat.startTicks]
  if (!/^[A-Za-z]$/.test(stat.state) || numbers.some((n) => !Number.isInteger(n))) return undefined
  return stat
}

/**
 * True while a process can still run: not a zombie, or a zombie thread-group leader whose other threads
 * run (a leader that called pthread_exit shows state Z with num_threads > 1; a plain zombie shows 1, on both
 * Linux and gVisor).
 */
export function isAlive(stat: ProcStat): boolean {
  if (stat.state !== 'Z' && stat.state !== 'X') return true
  return stat.threads > 1
}
