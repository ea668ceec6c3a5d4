/**
 * The wasm tier's one integration point with the network policy: a guest `fetch` (JSON request text from the
 * guest library) goes through `guardedFetch` (policy decision, pinned DNS, redirect checks, byte and request
 * caps, all counted in the run's meter) and comes back as the framed text the guest library decodes.
 */
import {
  guardedFetch,
  toGuestNetworkError,
  type GuardedFetchInit,
} from '../../policy/guarded-fetch.js'
import type { NetworkMeter } from '../../policy/network-meter.js'
import type { NetworkPolicy } from '../../policy/network-policy.js'
import type { DeadlineLike } from '../../policy/request-scope.js'

export interface GuestFetchContext {
  policy: NetworkPolicy
  meter: NetworkMeter
  signal: AbortSignal
  /** The run's deadline (the shared RunDeadline): a fetch never outlives it. */
  deadline: DeadlineLike
}

/** A guest-safe failure: only fixed texts chosen by kind, never host error messages. */
export class GuestFetchError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly code: string,
  ) {
    super(message)
  }
}

/**
 * Performs a guest's fetch. The reply is `status\nstatusText\n` + `name: value\n` per header + `\n` + body.
 * @throws GuestFetchError for every refusal or failure, shaped by toGuestNetworkError.
 */
export async function performGuestFetch(
  requestJson: unknown,
  ctx: GuestFetchContext,
): Promise<string> {
  let url: string
  let init: GuardedFetchInit
  try {
    ;({ url, init } = parseRequest(requestJson))
  } catch {
    throw new GuestFetchError('TypeError', 'Invalid fetch request', 'ERR_VALIDATION')
  }
  try {
    const response = await guardedFetch(ctx.policy, ctx.meter, url, init, {
      signal: ctx.signal,
      deadline: ctx.deadline,
    })
    const headers = Object.entries(response.headers)
      .map(([name, value]) => `${name}: ${value}\n`)
      .join('')
    return `${response.status}\n${response.statusText}\n${headers}\n${response.body}`
  } catch (error) {
    const safe = toGuestNetworkError(error)
    throw new GuestFetchError(safe.name, safe.message, safe.code)
  }
}

function parseRequest(json: unknown): { url: string; init: GuardedFetchInit } {
  if (typeof json !== 'string') throw new TypeError('request')
  const parsed = JSON.parse(json) as unknown
  if (typeof parsed !== 'object' || parsed === null) throw new TypeError('request')
  const { url, method, headers, body } = parsed as Record<string, unknown>
  if (typeof url !== 'string') throw new TypeError('url')
  const init: GuardedFetchInit = {}
  if (typeof method === 'string') init.method = method
  if (typeof headers === 'object' && headers !== null)
    init.headers = headers as Record<string, string>
  if (typeof body === 'string') init.body = body
  return { url, init }
}
