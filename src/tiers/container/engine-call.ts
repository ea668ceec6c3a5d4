/**
 * Every Docker Engine API call goes through here: a deadline (a stopped or wedged dockerd must never hang a
 * caller) and one mapping from transport failures to EngineError.
 */
import { EngineError } from '../../errors.js'

/** Default deadline for one API call. Container create/start can take seconds on a loaded 2-core host. */
export const ENGINE_CALL_TIMEOUT_MS = 60_000

/** Socket errors that mean "the engine is not there (any more)". */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'EACCES',
  'ETIMEDOUT',
])

/** The engine answered with an HTTP status (dockerode puts it on `statusCode`). */
export function engineStatusCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const code = (error as { statusCode?: unknown }).statusCode
  return typeof code === 'number' ? code : undefined
}

/** True when the error says the engine cannot be reached, rather than that it refused the request. */
export function isEngineUnreachable(error: unknown): boolean {
  if (error instanceof ContainerEngineError) return error.unreachable
  const code =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && UNREACHABLE.has(code)
}

/** An EngineError that remembers whether the engine was unreachable. */
export class ContainerEngineError extends EngineError {
  override name = 'EngineError'
  readonly unreachable: boolean
  readonly statusCode: number | undefined
  constructor(
    message: string,
    unreachable: boolean,
    statusCode: number | undefined,
    cause?: unknown,
  ) {
    super(message, { cause })
    this.unreachable = unreachable
    this.statusCode = statusCode
  }
}

/** Builds the EngineError for a failed call to `what` (e.g. "create container"). */
export function toEngineError(what: string, error: unknown): EngineError {
  if (error instanceof EngineError) return error
  const status = engineStatusCode(error)
  const unreachable = isEngineUnreachable(error)
  const reason = describeCause(error)
  const message = unreachable
    ? `Docker engine unreachable during "${what}" (${reason}); is dockerd running? (scripts/engine-up.sh)`
    : `Docker engine refused "${what}"${status ? ` with HTTP ${status}` : ''}: ${reason}`
  return new ContainerEngineError(message, unreachable, status, error)
}

function describeCause(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error)
  const e = error as { json?: { message?: unknown }; message?: unknown; code?: unknown }
  const fromJson = typeof e.json?.message === 'string' ? e.json.message : undefined
  const message = fromJson ?? (typeof e.message === 'string' ? e.message : 'unknown error')
  return message.replace(/^\(HTTP code \d+\)\s*/, '').trim()
}

/**
 * Runs one engine call with a deadline. On timeout the call is abandoned (its result is ignored) and an
 * EngineError rejects; every other failure is mapped by toEngineError.
 * @throws EngineError
 */
export async function engineCall<T>(
  what: string,
  call: () => Promise<T>,
  timeoutMs: number = ENGINE_CALL_TIMEOUT_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new ContainerEngineError(
          `Docker engine did not answer "${what}" within ${timeoutMs} ms`,
          true,
          undefined,
        ),
      )
    }, timeoutMs)
    timer.unref()
  })
  const pending = call()
  // An abandoned call may still fail later: that must not become an unhandled rejection.
  pending.catch(() => undefined)
  try {
    return await Promise.race([pending, deadline])
  } catch (error) {
    throw toEngineError(what, error)
  } finally {
    clearTimeout(timer)
  }
}
