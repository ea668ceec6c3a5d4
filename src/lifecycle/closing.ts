/**
 * The one closing habit of every owning class (tiers, sandboxes, pools, the manager): `close()` runs once
 * and every caller gets that one run's promise, `closed` is true from the first call, owned children close
 * in reverse order of adoption before the owner's own part, and `await using` works.
 *
 * Ownership is a tree: an owner learns of a child's end through this base (the child leaves its owner when
 * its close ends), never by replacing the child's methods or by callbacks passed down. A neutral module:
 * it imports no tier, manager or policy code.
 */
import { SandboxClosedError } from '../errors.js'

/** Anything an owner can close: a Closing, or a resource of another module with the same close(). */
export interface Closable {
  close(): Promise<void>
}

/** A class of children to count (its constructor may be private, as behind an async factory). */
interface OwnedKind<T> {
  readonly prototype: T
  [Symbol.hasInstance](value: unknown): boolean
}

export abstract class Closing implements Closable, AsyncDisposable {
  /** What SandboxClosedError names when this is used after close ("quickjs sandbox", "wasm tier"). */
  readonly #what: string
  /** Children in order of adoption; a Closing child removes itself when its own close ends. */
  readonly #children: Closable[] = []
  #owner: Closing | undefined
  #closed = false
  #closing: Promise<void> = Promise.resolve()

  constructor(what: string) {
    this.#what = what
  }

  /** True from the first close() call (not only once it ended): new work is refused from then on. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Closes the children (last adopted first, each after the previous ended), then runs onClose(). Every
   * call returns the first call's promise: a second caller waits for the same end. A failure rejects every
   * caller alike and still leaves the object closed; the other children and onClose() run regardless.
   * @throws the one failure, or AggregateError when several parts failed.
   */
  close(): Promise<void> {
    // `closed` is true before the first line of onClose() runs, which may be in this same turn.
    if (!this.#closed) {
      this.#closed = true
      this.#closing = this.#close()
    }
    return this.#closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** The owner's own part of closing, after its children closed: terminate workers, remove containers. */
  protected abstract onClose(): Promise<void>

  /** Work in progress that close() must see end (a sandbox's runs): see track() and tracked(). */
  readonly #tracked = new Set<Promise<unknown>>()

  /** Follows `work` until it settles, for onClose() to wait on with tracked(); returns it unchanged. */
  protected track<T>(work: Promise<T>): Promise<T> {
    this.#tracked.add(work)
    const forget = (): void => void this.#tracked.delete(work)
    work.then(forget, forget)
    return work
  }

  /** Resolves once every tracked piece of work settled (never rejects). */
  protected async tracked(): Promise<void> {
    await Promise.allSettled(this.#tracked)
  }

  /** @throws SandboxClosedError once close() was called. */
  protected assertOpen(): void {
    if (this.closed) throw new SandboxClosedError(this.#what)
  }

  /**
   * Makes `child` closed by this owner's close(), before the children adopted earlier.
   * @throws SandboxClosedError when this owner is closed already; the child is closed then, not leaked.
   */
  protected adopt<T extends Closable>(child: T): T {
    if (this.closed) {
      child.close().catch(() => undefined)
      throw new SandboxClosedError(this.#what)
    }
    if (child instanceof Closing) {
      if (child.#owner) throw new Error('a Closing has one owner')
      child.#owner = this
    }
    this.#children.push(child)
    return child
  }

  /** Children still open (or closing) that are instances of `kind`, in order of adoption. */
  protected owned<T>(kind: OwnedKind<T>): T[] {
    return this.#children.filter((child): child is Closable & T => child instanceof kind)
  }

  async #close(): Promise<void> {
    const failures: unknown[] = []
    try {
      for (const child of [...this.#children].reverse())
        await child.close().catch((error: unknown) => failures.push(error))
      // A non-Closing child cannot tell when it ends: once closed by the owner it is gone.
      this.#children.length = 0
      await this.onClose().catch((error: unknown) => failures.push(error))
    } finally {
      if (this.#owner) this.#owner.#forget(this)
    }
    if (failures.length === 1) throw failures[0]
    if (failures.length > 1)
      throw new AggregateError(failures, `${this.#what}: ${failures.length} parts failed to close`)
  }

  #forget(child: Closing): void {
    const at = this.#children.indexOf(child)
    if (at >= 0) this.#children.splice(at, 1)
  }
}

/**
 * The same habit held as a field, for a class that already extends another base (SandboxManager extends
 * EventEmitter): `onClose` is given to the constructor.
 */
export class ClosingPart extends Closing {
  readonly #onClose: () => Promise<void>

  constructor(what: string, onClose: () => Promise<void>) {
    super(what)
    this.#onClose = onClose
  }

  protected onClose(): Promise<void> {
    return this.#onClose()
  }
}
