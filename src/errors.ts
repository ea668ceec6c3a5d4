/**
 * Every error sandtier throws, each with a stable `code`.
 *
 * Misuse and infrastructure failures are thrown (rejected) as a `SandboxError` subclass; outcomes of the
 * guest's own code (including limits) are values on `ExecResult` whose `error.code` uses the same codes.
 */

/** Stable machine-readable codes. Never renamed once published. */
export type ErrorCode =
  | 'ERR_CONFIG'
  | 'ERR_VALIDATION'
  | 'ERR_TIER_UNAVAILABLE'
  | 'ERR_POLICY_DENIED'
  | 'ERR_RESOURCE_EXCEEDED'
  | 'ERR_SANDBOX_CLOSED'
  | 'ERR_SANDBOX_NOT_FOUND'
  | 'ERR_SANDBOX_EXPIRED'
  | 'ERR_SANDBOX_RESET'
  | 'ERR_CAPACITY'
  | 'ERR_CAPABILITY_REQUIRED'
  | 'ERR_GUEST'
  | 'ERR_TIMEOUT'
  | 'ERR_MEMORY'
  | 'ERR_CPU'
  | 'ERR_OUTPUT'
  | 'ERR_CANCELLED'
  | 'ERR_CRASHED'
  | 'ERR_RESULT_NOT_SERIALIZABLE'
  | 'ERR_ENGINE'
  | 'ERR_FILE'
  | 'ERR_SNAPSHOT'

/** A brand that survives realms and structured clones of the prototype chain (see isSandboxError). */
const brand = Symbol.for('sandtier.SandboxError')

/** Root of every error sandtier throws. */
export class SandboxError extends Error {
  override name = 'SandboxError'
  readonly code: ErrorCode
  readonly [brand] = true

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }

  /** The form errors take when they cross a worker or container boundary. */
  toJSON(): SerializedError {
    return { name: this.name, code: this.code, message: this.message }
  }
}

/** True for any SandboxError, also one built in another realm or module copy. */
export function isSandboxError(value: unknown): value is SandboxError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[brand] === true
  )
}

/** How an error travels between worker, host and result. */
export interface SerializedError {
  name: string
  message: string
  code?: ErrorCode | undefined
  stack?: string | undefined
}

/** An option has an invalid value. `option` is its dotted path, e.g. `limits.memory`. */
export class ConfigError extends SandboxError {
  override name = 'ConfigError'
  readonly option: string
  constructor(option: string, expectation: string, received: unknown) {
    super(
      'ERR_CONFIG',
      `Invalid option "${option}": expected ${expectation}, received ${describeValue(received)}`,
    )
    this.option = option
  }
}

/** A guest artefact (wasm module, imports, request) is refused before it runs. */
export class ValidationError extends SandboxError {
  override name = 'ValidationError'
  readonly details: readonly string[]
  constructor(message: string, details: readonly string[] = []) {
    super('ERR_VALIDATION', details.length > 0 ? `${message}: ${details.join(', ')}` : message)
    this.details = details
  }
}

/** The tier cannot run here (no engine, no runsc, no image); `hint` says how to fix it. */
export class TierUnavailableError extends SandboxError {
  override name = 'TierUnavailableError'
  readonly tier: string
  readonly hint: string
  constructor(tier: string, reason: string, hint: string, options?: { cause?: unknown }) {
    super('ERR_TIER_UNAVAILABLE', `Tier "${tier}" is unavailable: ${reason}. ${hint}`, options)
    this.tier = tier
    this.hint = hint
  }
}

/** The network policy refused a request. `reason` is one of the policy's stable reasons. */
export class PolicyDeniedError extends SandboxError {
  override name = 'PolicyDeniedError'
  readonly host: string
  readonly reason: string
  constructor(host: string, reason: string) {
    super('ERR_POLICY_DENIED', `Network request to "${host}" denied: ${reason}`)
    this.host = host
    this.reason = reason
  }
}

/** The seed's error: a resource went over its limit. */
export class ResourceExceededError extends SandboxError {
  override name = 'ResourceExceededError'
  readonly resource: string
  readonly used: number
  readonly limit: number
  constructor(resource: string, used: number, limit: number) {
    super('ERR_RESOURCE_EXCEEDED', `Resource "${resource}" exceeded: used ${used}, limit ${limit}`)
    this.resource = resource
    this.used = used
    this.limit = limit
  }
}

/** The sandbox (or manager) was destroyed or closed and cannot be used. */
export class SandboxClosedError extends SandboxError {
  override name = 'SandboxClosedError'
  constructor(what: string) {
    super('ERR_SANDBOX_CLOSED', `${what} is closed`)
  }
}

/** No sandbox with this id (never created, or destroyed). */
export class SandboxNotFoundError extends SandboxError {
  override name = 'SandboxNotFoundError'
  readonly sandboxId: string
  constructor(sandboxId: string) {
    super(
      'ERR_SANDBOX_NOT_FOUND',
      `No sandbox with id "${sandboxId}" (never created or already destroyed)`,
    )
    this.sandboxId = sandboxId
  }
}

/** The sandbox outlived its lifetime (`timeout`) and was destroyed. */
export class SandboxExpiredError extends SandboxError {
  override name = 'SandboxExpiredError'
  readonly sandboxId: string
  constructor(sandboxId: string, lifetimeMs: number) {
    super(
      'ERR_SANDBOX_EXPIRED',
      `Sandbox "${sandboxId}" expired after its lifetime of ${lifetimeMs} ms`,
    )
    this.sandboxId = sandboxId
  }
}

/** The manager's queue is full. */
export class CapacityError extends SandboxError {
  override name = 'CapacityError'
  constructor(message: string) {
    super('ERR_CAPACITY', message)
  }
}

/** Infrastructure failure of a tier (engine error, worker died at start). */
export class EngineError extends SandboxError {
  override name = 'EngineError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_ENGINE', message, options)
  }
}

/** Why a file operation on a sandbox failed (the path itself was valid). */
export type FileErrorReason = 'not-found' | 'not-a-file' | 'too-large' | 'no-space'

/**
 * A sandbox file could not be read, written, listed or removed: missing, not a regular file (a directory,
 * a FIFO, a device the guest put there), larger than the read allows, or past the sandbox's diskSpace.
 */
export class FileError extends SandboxError {
  override name = 'FileError'
  readonly reason: FileErrorReason
  readonly path: string
  constructor(reason: FileErrorReason, path: string, message: string) {
    super('ERR_FILE', message)
    this.reason = reason
    this.path = path
  }
}

/**
 * Why a snapshot could not be taken or restored: 'malformed' (not a snapshot, or cut short), 'tampered'
 * (its signature does not match its bytes), 'foreign-key' (signed with another manager's key),
 * 'foreign-version' (another sandtier or QuickJS build), 'memory' (its heap does not fit the memory limit),
 * 'disk' (its files do not fit diskSpace), 'unsupported' (the tier or this sandbox cannot be snapshotted),
 * 'state-lost' (the sandbox's state was lost with its worker).
 */
export type SnapshotErrorReason =
  | 'malformed'
  | 'tampered'
  | 'foreign-key'
  | 'foreign-version'
  | 'memory'
  | 'disk'
  | 'unsupported'
  | 'state-lost'

/** A snapshot was refused (restore) or could not be made (snapshot, fork); `reason` says why. */
export class SnapshotError extends SandboxError {
  override name = 'SnapshotError'
  readonly reason: SnapshotErrorReason
  constructor(reason: SnapshotErrorReason, message: string, options?: { cause?: unknown }) {
    super('ERR_SNAPSHOT', message, options)
    this.reason = reason
  }
}

/** An error thrown by guest code, rebuilt on the host from its serialized form. */
export class GuestError extends SandboxError {
  override name = 'GuestError'
  readonly guestName: string
  readonly guestStack: string | undefined
  constructor(guestName: string, message: string, guestStack?: string) {
    super('ERR_GUEST', message)
    this.guestName = guestName
    this.guestStack = guestStack
  }
}

/** Short, safe description of a received value for messages: never calls guest-controlled code. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string')
    return `"${value.length > 60 ? `${value.slice(0, 60)}…` : value}" (string)`
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return `${String(value)} (${typeof value})`
  if (typeof value === 'undefined') return 'undefined'
  if (Array.isArray(value)) return 'an array'
  return `a value of type ${typeof value}`
}
