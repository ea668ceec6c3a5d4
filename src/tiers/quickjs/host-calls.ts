/**
 * Answers a guest's host calls on the host thread: the configured hostFunctions and `fetch`.
 *
 * Arguments arrive as JSON text made inside the guest; replies go back as JSON text. Errors that reach the
 * guest are generic: no host message, path or stack ever crosses.
 */
import type { HostFunction } from '../../config.js'
import { toGuestNetworkError } from '../../policy/guest-network-error.js'
import { HOST_CALL_FETCH } from './protocol.js'

/** The host side of the guest's `fetch`: gets the guest's request, returns a JSON-safe response. */
export type GuestFetch = (request: unknown, signal: AbortSignal) => Promise<unknown>

export interface HostCallContext {
  hostFunctions: Record<string, HostFunction>
  fetch: GuestFetch
  /** Aborted when the run ends, is cancelled or times out. */
  signal: AbortSignal
}

/** Guest-visible failure of a host call. */
interface GuestErrorReply {
  name: string
  message: string
  code?: string
  reason?: string
}

export async function answerHostCall(
  name: string,
  argsJson: string,
  context: HostCallContext,
): Promise<string> {
  try {
    // Guest text, bounded in the worker (MAX_HOST_CALL_ARGS_BYTES): a parse error or a shape other than an
    // array becomes the guest's failure below, never the host's.
    const args: unknown = JSON.parse(argsJson)
    if (!Array.isArray(args)) throw new TypeError('host call arguments are not an array')
    if (name === HOST_CALL_FETCH) return reply(await context.fetch(args[0], context.signal))
    const fn = Object.hasOwn(context.hostFunctions, name) ? context.hostFunctions[name] : undefined
    if (!fn) return failure({ name: 'Error', message: `Unknown host function "${name}"` })
    // Host functions get the run's AbortSignal as `this.signal`, so cancelling a run can stop them.
    return reply(await fn.apply({ signal: context.signal }, args))
  } catch (err) {
    return failure(toGuestError(name, err))
  }
}

function reply(value: unknown): string {
  const json = value === undefined ? undefined : JSON.stringify(value)
  return json === undefined ? '{"ok":true}' : `{"ok":true,"value":${json}}`
}

function failure(error: GuestErrorReply): string {
  return JSON.stringify({ ok: false, error })
}

// Network errors get the policy's fixed texts; anything else from a host function a generic message.
function toGuestError(name: string, err: unknown): GuestErrorReply {
  if (name === HOST_CALL_FETCH) return toGuestNetworkError(err)
  return { name: 'Error', message: `Host function "${name}" failed` }
}
