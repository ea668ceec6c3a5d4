/**
 * A sandbox as an object: what `manager.create(config)` returns. Every method is the manager's id-based
 * method for this sandbox, so the two ways of calling stay one behaviour. `await using sb = await
 * manager.create()` destroys the sandbox when the block ends.
 */
import type { ExecRequest, ExecResult, TierId } from '../types.js'

/** The manager's methods a handle forwards to (its id-based API). */
export interface SandboxOperations {
  execute(id: string, request: string | ExecRequest): Promise<ExecResult>
  destroy(id: string): Promise<void>
}

export class Sandbox {
  /** The id the manager's id-based methods take. */
  readonly id: string
  /** The tier the sandbox was created on (its runs may still escalate: see ExecResult.tier). */
  readonly tier: TierId
  readonly #operations: SandboxOperations

  constructor(id: string, tier: TierId, operations: SandboxOperations) {
    this.id = id
    this.tier = tier
    this.#operations = operations
  }

  /**
   * Runs code in this sandbox; resolves with an ExecResult for every outcome of the guest's code.
   * @throws as SandboxManager.execute (SandboxNotFoundError once destroyed, ConfigError, CapacityError).
   */
  execute(request: string | ExecRequest): Promise<ExecResult> {
    return this.#operations.execute(this.id, request)
  }

  /** Destroys the sandbox: a run in progress ends 'cancelled'. Idempotent. */
  destroy(): Promise<void> {
    return this.#operations.destroy(this.id)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy()
  }
}
