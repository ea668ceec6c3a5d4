/**
 * The outcome of a network policy check. Reasons are stable identifiers: callers, results and guest errors
 * switch on them, so they are never renamed once published.
 */

/** Every reason the policy can refuse a request for, in the order they are documented in docs/policy. */
export const DENY_REASONS = [
  'network_disabled',
  'invalid_url',
  'scheme_not_allowed',
  'credentials_in_url',
  'port_blocked',
  'port_not_allowed',
  'domain_not_allowed',
  'private_address',
  'dns_failed',
  'redirect_blocked',
  'too_many_redirects',
  'max_requests',
] as const

/** Why a request was refused. */
export type DenyReason = (typeof DENY_REASONS)[number]

/** A policy decision: allowed, or refused with a stable reason. */
export type Decision = { allow: true } | { allow: false; reason: DenyReason }

/** The one allowed decision (frozen so no caller can turn it into a refusal for everyone). */
export const ALLOW: Decision = Object.freeze({ allow: true as const })

/** A refusal for `reason`. */
export function deny(reason: DenyReason): Decision {
  return { allow: false, reason }
}

/** True when `value` is one of the policy's stable deny reasons. */
export function isDenyReason(value: unknown): value is DenyReason {
  return typeof value === 'string' && (DENY_REASONS as readonly string[]).includes(value)
}
