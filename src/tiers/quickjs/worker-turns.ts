/**
 * Each sandbox's runs and folder operations in order, inside a guest worker: the tail of each sandbox's
 * chain of turns. The host may have given up on a run (it ended there at its deadline) that still waits
 * here, e.g. behind another sandbox's stuck run: what the host sends next still comes after it.
 */
export class SandboxTurns {
  readonly #tails = new Map<number, Promise<unknown>>()

  /** Whether a turn of the sandbox is still in this worker. */
  has(sid: number): boolean {
    return this.#tails.has(sid)
  }

  /** Runs `task` now when nothing of the sandbox is before it, else after the turns before it. */
  next<T>(sid: number, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(sid)
    return this.#track(sid, previous ? previous.then(task) : task())
  }

  /** Runs `task` after the sandbox's turns still in this worker (always in a later microtask). */
  after<T>(sid: number, task: () => Promise<T>): Promise<T> {
    return this.#track(sid, (this.#tails.get(sid) ?? Promise.resolve()).then(task))
  }

  #track<T>(sid: number, turn: Promise<T>): Promise<T> {
    const tail = turn.catch(() => undefined)
    this.#tails.set(sid, tail)
    void tail.then(() => {
      if (this.#tails.get(sid) === tail) this.#tails.delete(sid)
    })
    return turn
  }
}
