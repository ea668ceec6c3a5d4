/**
 * Ids of sandboxes destroyed because their lifetime ran out, so execute() can say "expired" rather than
 * "not found"; the oldest are forgotten past EXPIRED_IDS_KEPT.
 */
const EXPIRED_IDS_KEPT = 10_000

export class ExpiredIds {
  readonly #lifetimes = new Map<string, number>()

  add(id: string, lifetimeMs: number): void {
    this.#lifetimes.set(id, lifetimeMs)
    if (this.#lifetimes.size > EXPIRED_IDS_KEPT)
      this.#lifetimes.delete(this.#lifetimes.keys().next().value as string)
  }

  /** The lifetime of an expired id, or undefined for one that did not expire (or was forgotten). */
  lifetimeOf(id: string): number | undefined {
    return this.#lifetimes.get(id)
  }
}
