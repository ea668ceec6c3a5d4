/**
 * Compiles AssemblyScript source in dedicated workers (see compiler-worker-main.ts), each compile under a
 * deadline and cancellable: a compile that runs too long, or that nobody waits for any more, terminates its
 * worker and a fresh one takes its place.
 *
 * Compiles share a few workers (2 by default), and a large source never holds all of them: large compiles
 * use at most `maxWorkers - 1`, so a small program never queues behind another tenant's large one (a 0.5 MB
 * source compiles for 10–25 s here). Small compiles go first, large ones in submission order; a large compile
 * boots a second worker rather than take the warm one.
 */
import { CompilerSlot, type CompileOutcome } from './compiler-slot.js'

export { composeSource, exportsMain, MAIN_SHIM, type CompileOutcome } from './compiler-slot.js'

export interface AscCompilerOptions {
  /** Heap of each compiler worker. @default 512 MiB */
  maxHeapMb?: number
  /** Compiles at once (compiler workers). @default 2 */
  maxWorkers?: number
}

/**
 * Sources up to this size (UTF-16 units) are "small": they compile in well under a second and may use every
 * compiler worker. The programs agents write are a few KiB; a 32 KiB source compiles in about 0.5 s here.
 */
export const SMALL_SOURCE_CHARS = 32 * 1024
/** A compiler worker beyond the one kept warm is terminated after this long idle. */
const SPARE_IDLE_MS = 30_000

interface Job {
  source: string
  timeoutMs: number
  signal: AbortSignal | undefined
  isLarge: boolean
  resolve: (outcome: CompileOutcome) => void
  onAbort: () => void
}

export class AscCompiler {
  readonly #slots: CompilerSlot[]
  readonly #queue: Job[] = []
  #runningLarge = 0

  constructor({ maxHeapMb = 512, maxWorkers = 2 }: AscCompilerOptions = {}) {
    this.#slots = Array.from({ length: Math.max(1, maxWorkers) }, () => new CompilerSlot(maxHeapMb))
  }

  /** Boots the first compiler worker now (the others boot when a large compile starts). */
  warm(): void {
    this.#slots[0]?.warm()
  }

  /** Compiles `source`; resolves 'cancelled' when `signal` aborts, queued or running. Never rejects. */
  compile(source: string, timeoutMs: number, signal?: AbortSignal): Promise<CompileOutcome> {
    if (signal?.aborted === true) return Promise.resolve(cancelled())
    return new Promise((resolve) => {
      const job: Job = {
        source,
        timeoutMs,
        signal,
        isLarge: source.length > SMALL_SOURCE_CHARS,
        resolve,
        // Queued: leave the queue at once. Running: the slot terminates its worker on the same signal.
        onAbort: () => {
          const at = this.#queue.indexOf(job)
          if (at < 0) return
          this.#queue.splice(at, 1)
          resolve(cancelled())
        },
      }
      signal?.addEventListener('abort', job.onAbort, { once: true })
      this.#queue.push(job)
      this.#dispatch()
    })
  }

  async close(): Promise<void> {
    for (const job of this.#queue.splice(0)) job.resolve(cancelled())
    await Promise.all(this.#slots.map((slot) => slot.close()))
  }

  /** Compiles waiting for a worker. */
  get queued(): number {
    return this.#queue.length
  }

  /** Compiles running. */
  get running(): number {
    return this.#slots.filter((slot) => slot.busy).length
  }

  #dispatch(): void {
    for (;;) {
      const free = this.#slots.filter((slot) => !slot.busy)
      if (free.length === 0) return
      const job = this.#next()
      if (job === undefined) return
      // A small compile takes a booted worker; a large one a cold one when it can (it pays the boot, within
      // its own deadline), so the warm worker stays with the small compiles.
      const slot = free.find((s) => s.booted !== job.isLarge) ?? free[0]
      if (slot === undefined) {
        this.#queue.unshift(job)
        return
      }
      this.#run(slot, job)
    }
  }

  // One idle worker stays booted (its boot would otherwise count against the next run's deadline); other idle
  // workers retire after SPARE_IDLE_MS. A compile stopped at its deadline leaves its slot cold: boot it again.
  #keepOneWarm(): void {
    const idle = this.#slots.filter((slot) => !slot.busy)
    const kept = idle.find((slot) => slot.booted) ?? idle[0]
    if (kept === undefined) return
    kept.warm()
    for (const slot of idle) if (slot !== kept && slot.booted) slot.retireWhenIdle(SPARE_IDLE_MS)
  }

  #next(): Job | undefined {
    const small = this.#queue.findIndex((job) => !job.isLarge)
    const largeAllowed = this.#runningLarge < Math.max(1, this.#slots.length - 1)
    const at = small >= 0 ? small : largeAllowed ? this.#queue.findIndex((j) => j.isLarge) : -1
    return at < 0 ? undefined : this.#queue.splice(at, 1)[0]
  }

  #run(slot: CompilerSlot, job: Job): void {
    job.signal?.removeEventListener('abort', job.onAbort)
    slot.busy = true
    if (job.isLarge) {
      this.#runningLarge += 1
      // Have a warm worker ready for the small compiles that arrive meanwhile (one, not every idle slot).
      this.#keepOneWarm()
    }
    const done = (outcome: CompileOutcome): void => {
      slot.busy = false
      if (job.isLarge) this.#runningLarge -= 1
      job.resolve(outcome)
      this.#dispatch()
      this.#keepOneWarm()
    }
    slot.compile(job.source, job.timeoutMs, job.signal).then(done, () => {
      done({ ok: false, reason: 'crashed', diagnostics: [], compileMs: 0 })
    })
  }
}

function cancelled(): CompileOutcome {
  return { ok: false, reason: 'cancelled', diagnostics: [], compileMs: 0 }
}
