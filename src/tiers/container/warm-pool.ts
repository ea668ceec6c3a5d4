/**
 * Started containers waiting for a sandbox, per hardening key (image, runtime, limits, mounts: everything but
 * the labels). A container is handed to one sandbox only and never comes back; the pool refills in the
 * background when asked (after each sandbox got its container, so a cold start does not race its refill). A start that fails stops refilling for that key until the next take, so a
 * broken engine or image does not spin.
 */
import type Dockerode from 'dockerode'
import { Closing } from '../../lifecycle/closing.js'

interface KeyState {
  ready: Dockerode.Container[]
  starting: number
  /**
   * The argv of the spare the key's containers start with (the language of the sandbox that took one last),
   * so that a sandbox's first run finds its process already started; undefined: none.
   */
  spareArgv: readonly string[] | undefined
}

export interface WarmPoolOptions {
  /** Containers kept ready per key. 0 disables the pool. */
  size: number
  /** Starts a container; with spareArgv, its runner also starts a spare for that argv (spare.py). */
  start: (
    spec: Dockerode.ContainerCreateOptions,
    spareArgv: readonly string[] | undefined,
  ) => Promise<Dockerode.Container>
  remove: (container: Dockerode.Container) => Promise<void>
}

export class WarmPool extends Closing {
  readonly #options: WarmPoolOptions
  readonly #keys = new Map<string, KeyState>()
  readonly #inflight = new Set<Promise<void>>()

  constructor(options: WarmPoolOptions) {
    super('warm pool')
    this.#options = options
  }

  /** Containers ready right now, over all keys. */
  get readyCount(): number {
    let n = 0
    for (const state of this.#keys.values()) n += state.ready.length
    return n
  }

  /** Containers being started for the pool (engine work in the background), over all keys. */
  get startingCount(): number {
    let n = 0
    for (const state of this.#keys.values()) n += state.starting
    return n
  }

  /** A ready container for `key`, or undefined. Call fill() afterwards to replace it. */
  take(key: string): Dockerode.Container | undefined {
    if (this.closed || this.#options.size <= 0) return undefined
    return this.#state(key).ready.shift()
  }

  /**
   * Starts containers until `size` are ready or starting for `key`; those started from now on wait with a
   * spare for `spareArgv` (the taker's language: the next sandbox of this key most likely has it too).
   */
  fill(
    key: string,
    makeSpec: () => Dockerode.ContainerCreateOptions,
    spareArgv?: readonly string[],
  ): void {
    const state = this.#state(key)
    state.spareArgv = spareArgv
    const missing = this.#options.size - state.ready.length - state.starting
    for (let i = 0; i < missing && !this.closed; i++) {
      let spec: Dockerode.ContainerCreateOptions
      try {
        spec = makeSpec()
      } catch {
        // No request can be made now (e.g. every sandbox uid is held): the next take() tries again.
        return
      }
      this.#startOne(state, spec)
    }
  }

  #startOne(state: KeyState, spec: Dockerode.ContainerCreateOptions): void {
    state.starting++
    const job = this.#options
      .start(spec, state.spareArgv)
      .then(
        async (container) => {
          if (this.closed) await this.#options.remove(container)
          else state.ready.push(container)
        },
        // A failed start is not retried here (no tight loop on a broken engine): the next take() tries again.
        () => undefined,
      )
      .catch(() => undefined)
      .finally(() => {
        state.starting--
        this.#inflight.delete(job)
      })
    this.#inflight.add(job)
  }

  #state(key: string): KeyState {
    let state = this.#keys.get(key)
    if (!state) {
      state = { ready: [], starting: 0, spareArgv: undefined }
      this.#keys.set(key, state)
    }
    return state
  }

  /** Removes every ready container and those still starting. */
  protected async onClose(): Promise<void> {
    const ready = [...this.#keys.values()].flatMap((s) => s.ready.splice(0))
    await Promise.allSettled([...ready.map((c) => this.#options.remove(c)), ...this.#inflight])
  }
}
