/**
 * The sessions of the tools: sandboxes that outlive a call, each owned by one client. A client sees only
 * its own (another client's id is "not found", exactly like an id that never existed). Sessions close
 * when their client closes, when unused for `idleMs`, and `maxLifetimeMs` after they were made.
 */
import {
  CapacityError,
  SandboxNotFoundError,
  type SandboxConfig,
  type SandboxManager,
} from '../index.js'
import type { ResolvedToolsConfig } from './tools-config.js'

interface Session {
  owner: string
  idleTimer: NodeJS.Timeout | undefined
  /** Calls using the session now: it does not go idle while one runs. */
  active: number
}

export class SessionRegistry {
  readonly #manager: SandboxManager
  readonly #limits: ResolvedToolsConfig['sessions']
  readonly #sessions = new Map<string, Session>()

  constructor(manager: SandboxManager, limits: ResolvedToolsConfig['sessions']) {
    this.#manager = manager
    this.#limits = limits
    // The manager destroys a session's sandbox at its lifetime: forget it then.
    manager.on('destroy', ({ id }) => this.#forget(id))
  }

  /**
   * Creates a session for `owner`.
   * @throws CapacityError past the caps; ConfigError / TierUnavailableError as createSandbox.
   */
  async create(owner: string, config: SandboxConfig): Promise<string> {
    if (this.#sessions.size >= this.#limits.maxTotal)
      throw new CapacityError(`this server holds its maximum of ${this.#limits.maxTotal} sessions`)
    if (this.ownedBy(owner).length >= this.#limits.maxPerClient)
      throw new CapacityError(
        `a client may hold ${this.#limits.maxPerClient} sessions: close one with close_session first`,
      )
    const id = await this.#manager.createSandbox({ ...config, timeout: this.#limits.maxLifetimeMs })
    this.#sessions.set(id, { owner, idleTimer: undefined, active: 0 })
    this.#armIdle(id)
    return id
  }

  /**
   * Runs `use` with the sandbox id of one of `owner`'s sessions; the session does not idle meanwhile.
   * @throws SandboxNotFoundError when the session is not one of the owner's live sessions.
   */
  async use<T>(owner: string, id: string, use: (sandboxId: string) => Promise<T>): Promise<T> {
    const session = this.#sessions.get(id)
    if (session?.owner !== owner) throw new SandboxNotFoundError(id)
    clearTimeout(session.idleTimer)
    session.active++
    try {
      return await use(id)
    } finally {
      session.active--
      this.#armIdle(id)
    }
  }

  /** Closes one of the owner's sessions. @throws SandboxNotFoundError as use(). */
  async close(owner: string, id: string): Promise<void> {
    const session = this.#sessions.get(id)
    if (session?.owner !== owner) throw new SandboxNotFoundError(id)
    this.#forget(id)
    await this.#manager.destroy(id)
  }

  /** Closes every session of a client (its transport closed). */
  async closeOwner(owner: string): Promise<void> {
    await Promise.all(this.ownedBy(owner).map((id) => this.close(owner, id)))
  }

  ownedBy(owner: string): string[] {
    return [...this.#sessions].filter(([, s]) => s.owner === owner).map(([id]) => id)
  }

  /** Every owner holding a session. */
  owners(): string[] {
    return [...new Set([...this.#sessions.values()].map((s) => s.owner))]
  }

  get size(): number {
    return this.#sessions.size
  }

  #armIdle(id: string): void {
    const session = this.#sessions.get(id)
    if (session === undefined || session.active > 0) return
    clearTimeout(session.idleTimer)
    session.idleTimer = setTimeout(() => {
      this.#forget(id)
      void this.#manager.destroy(id).catch(() => undefined)
    }, this.#limits.idleMs)
    session.idleTimer.unref()
  }

  #forget(id: string): void {
    const session = this.#sessions.get(id)
    if (session === undefined) return
    clearTimeout(session.idleTimer)
    this.#sessions.delete(id)
  }
}
