/**
 * Closing a destroyed sandbox's tier parts: its sandbox and the container an escalated run moved to. A
 * one-shot run (runOnce) does not wait for a container's removal through the engine (~100-700 ms): it goes on
 * in the background, held here so that the manager's close() waits for it (nothing is left behind, and the
 * pending engine call keeps the process alive until it is done, never longer).
 */
import type { TierId } from '../types.js'
import type { LiveSandbox } from './live-sandbox.js'

/** Tiers whose sandbox's close is a container removal through the engine. */
const CONTAINER_TIERS: ReadonlySet<TierId> = new Set<TierId>(['docker', 'gvisor'])

export class SandboxClosings {
  readonly #pending = new Set<Promise<void>>()

  /**
   * Closes what `live` holds, then calls `closed` (which must not throw: it runs in the background when
   * detached). `detachContainers`: resolves once the in-process part is closed, before a container's removal.
   */
  async close(live: LiveSandbox, detachContainers: boolean, closed: () => void): Promise<void> {
    const all = Promise.allSettled([live.sandbox.close(), live.escalated?.then((s) => s.close())])
    if (!detachContainers) {
      await all
      closed()
      return
    }
    const removal = all.then(closed)
    this.#pending.add(removal)
    void removal.finally(() => this.#pending.delete(removal))
    if (!CONTAINER_TIERS.has(live.tierId)) await live.sandbox.close().catch(() => undefined)
  }

  /** Waits for every background removal. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#pending])
  }
}
