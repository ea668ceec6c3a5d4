/**
 * The only form in which network errors reach a guest: fixed texts chosen by kind. Host error messages (paths,
 * addresses, resolver exceptions, stack traces) never cross, because a guest could read them back out.
 */
import { isSandboxError, type ErrorCode } from '../errors.js'
import { isDenyReason } from './decision.js'
import { REQUEST_ERROR_MESSAGES } from './fetch-request.js'

/** A network error as a guest sees it; JSON-safe. */
export interface GuestNetworkError {
  name: string
  message: string
  code: ErrorCode | 'ERR_NETWORK'
  /** Stable machine-readable cause: a deny reason, a limit, or a connection failure kind. */
  reason: string
}

const LIMIT_MESSAGES: Record<string, string> = {
  response_size: 'Response body exceeds the size limit',
  request_size: 'Request body exceeds the size limit',
  request_time: 'Network request timed out',
  wall: 'Network request stopped at the run deadline',
}

const GUEST_SAFE_MESSAGES = new Set<string>(Object.values(REQUEST_ERROR_MESSAGES))

// Node and OpenSSL error codes are fixed identifiers (no addresses or paths), so a few are mapped to reasons.
const CONNECTION_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ETIMEDOUT: 'connect_timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
}

/**
 * Maps any error from guardedFetch to a generic guest-safe error.
 * @example toGuestNetworkError(new PolicyDeniedError('evil.test', 'domain_not_allowed'))
 * // { name: 'PolicyDeniedError', message: 'Network request denied: domain_not_allowed', code: 'ERR_POLICY_DENIED', reason: 'domain_not_allowed' }
 */
export function toGuestNetworkError(err: unknown): GuestNetworkError {
  if (isSandboxError(err)) {
    switch (err.code) {
      case 'ERR_POLICY_DENIED': {
        const reason = readString(err, 'reason')
        const safe = reason !== undefined && isDenyReason(reason) ? reason : 'denied'
        return error('PolicyDeniedError', `Network request denied: ${safe}`, err.code, safe)
      }
      case 'ERR_RESOURCE_EXCEEDED': {
        const resource = readString(err, 'resource') ?? ''
        const message = LIMIT_MESSAGES[resource]
        if (message !== undefined)
          return error('ResourceExceededError', message, err.code, resource)
        return error('ResourceExceededError', 'Network limit exceeded', err.code, 'limit')
      }
      case 'ERR_VALIDATION':
        if (GUEST_SAFE_MESSAGES.has(err.message))
          return error('TypeError', err.message, err.code, 'invalid_request')
        break
      case 'ERR_CANCELLED':
        return error('AbortError', 'The operation was aborted', err.code, 'aborted')
      default:
        break
    }
  }
  return error('TypeError', 'fetch failed', 'ERR_NETWORK', connectionReason(err))
}

function connectionReason(err: unknown): string {
  const code = readString(err, 'code')
  if (code === undefined) return 'network_error'
  const known = CONNECTION_REASONS[code]
  if (known !== undefined) return known
  if (/^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_)/.test(code))
    return 'tls_failed'
  if (code.startsWith('HPE_')) return 'bad_response'
  return 'network_error'
}

// Only own data properties: never run a getter while building a guest-facing error.
function readString(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const descriptor = Object.getOwnPropertyDescriptor(value, key)
  return typeof descriptor?.value === 'string' ? descriptor.value : undefined
}

function error(
  name: string,
  message: string,
  code: GuestNetworkError['code'],
  reason: string,
): GuestNetworkError {
  return { name, message, code, reason }
}
