/**
 * The runs of one sandbox, one after the other. The manager places this before admission, so a sandbox
 * waits for its own previous run without holding an admission slot or a place in the admission queue.
 */
export class RunTurns {
  #tail: Promise<unknown> = Promise.resolve()
  #waiting = 0

  /** Runs waiting for their turn (not counting the one running). */
  get waiting(): number {
    return this.#waiting
  }

  /** Runs `task` once every run queued before it has ended, whatever their outcome. */
  next<T>(task: () => Promise<T>): Promise<T> {
    this.#waiting++
    const turn = this.#tail.then(() => {
      this.#waiting--
      return task()
    })
    this.#tail = turn.catch(() => undefined)
    return turn
  }
}
