/**
 * A sandbox as an object: what `manager.create(config)` returns. Every method is the manager's id-based
 * method for this sandbox, so the two ways of calling stay one behaviour. `await using sb = await
 * manager.create()` destroys the sandbox when the block ends.
 */
import type { FileEntry } from '../tiers/tier-files.js'
import type { ExecRequest, ExecResult, TierId } from '../types.js'
import type { ReadFileOptions } from './sandbox-files.js'

/** The manager's methods a handle forwards to (its id-based API). */
export interface SandboxOperations {
  execute(id: string, request: string | ExecRequest): Promise<ExecResult>
  destroy(id: string): Promise<void>
  writeFile(id: string, path: string, data: string | Uint8Array): Promise<void>
  readFile(id: string, path: string, options?: ReadFileOptions): Promise<Uint8Array>
  listFiles(id: string, path?: string): Promise<FileEntry[]>
  removeFile(id: string, path: string): Promise<void>
  snapshot(id: string): Promise<Uint8Array>
  fork(id: string): Promise<Sandbox>
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

  /**
   * Writes a file into the sandbox's folder: a path relative to it ('data/in.csv') or under /work/; text as
   * UTF-8. Waits for a run in progress; the next run waits for it.
   * @throws ConfigError for a path out of the folder; FileError ('not-a-file', 'no-space'); ValidationError
   *   when the sandbox's tier has no files.
   * @example await sb.writeFile('data.json', JSON.stringify({ a: 1 }))
   */
  writeFile(path: string, data: string | Uint8Array): Promise<void> {
    return this.#operations.writeFile(this.id, path, data)
  }

  /**
   * Reads a regular file of the sandbox's folder.
   * @throws as writeFile; FileError 'not-found', 'not-a-file', 'too-large' (past `maxBytes`, @default
   *   limits.diskSpace).
   * @example const text = new TextDecoder().decode(await sb.readFile('out.txt'))
   */
  readFile(path: string, options?: ReadFileOptions): Promise<Uint8Array> {
    return this.#operations.readFile(this.id, path, options)
  }

  /** Lists a folder (@default the sandbox's folder) and everything below it; links are left out. */
  listFiles(path = '.'): Promise<FileEntry[]> {
    return this.#operations.listFiles(this.id, path)
  }

  /** Removes a file, or a folder with everything in it; what is not there is not an error. */
  removeFile(path: string): Promise<void> {
    return this.#operations.removeFile(this.id, path)
  }

  /**
   * The sandbox's state (globals, files, memory limit) as bytes signed with the manager's key, for
   * `manager.restore(bytes)` here or in a process whose manager has the same `snapshotKey`. Taken after
   * the runs and file operations asked for before it: during a run it waits for the run. Host-side things
   * (pending timers, host calls, fetches) are not in it. quickjs sandboxes only.
   * @throws SnapshotError ('unsupported' on other tiers); SandboxNotFoundError once destroyed.
   * @example const bytes = await sb.snapshot(); const again = await manager.restore(bytes)
   */
  snapshot(): Promise<Uint8Array> {
    return this.#operations.snapshot(this.id)
  }

  /**
   * An independent copy of the sandbox (same config, globals and files), after the runs before it; the two
   * never see each other's changes. Destroying either leaves the other as it is.
   * @throws as snapshot.
   */
  fork(): Promise<Sandbox> {
    return this.#operations.fork(this.id)
  }

  /** Destroys the sandbox: a run in progress ends 'cancelled'. Idempotent. */
  destroy(): Promise<void> {
    return this.#operations.destroy(this.id)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy()
  }
}
