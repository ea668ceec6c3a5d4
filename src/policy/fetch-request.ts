/**
 * Validation of what a guest passes to `fetch(url, init)`: method, headers, body, redirect mode. Runs before
 * any policy or network work, on a value the guest controls (a JSON-safe copy, but still hostile).
 */
import { validateHeaderName, validateHeaderValue } from 'node:http'
import { ValidationError } from '../errors.js'

/** The methods guest code may use. */
export const FETCH_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
export type FetchMethod = (typeof FETCH_METHODS)[number]

/** `follow` (default, re-checked hop by hop), `manual` (return the 3xx), `error` (fail on a 3xx). */
export type RedirectMode = 'follow' | 'manual' | 'error'

/** The `init` of a guest `fetch`. */
export interface GuardedFetchInit {
  /** @default 'GET' */
  method?: string
  headers?: Record<string, string> | Array<[string, string]>
  /** Text body; not allowed with GET or HEAD. */
  body?: string | null
  /** @default 'follow' */
  redirect?: RedirectMode
}

/** A validated request: upper-case method, lower-case header names, no hop-by-hop headers. */
export interface NormalizedRequest {
  method: FetchMethod
  headers: Record<string, string>
  body: string | undefined
  redirect: RedirectMode
}

/** Fixed messages of request validation errors: the only ValidationError texts shown to guests. */
export const REQUEST_ERROR_MESSAGES = {
  init: 'Invalid fetch options',
  method: 'Unsupported request method',
  header: 'Invalid request header',
  host: 'The Host header cannot be set',
  tooManyHeaders: 'Too many request headers',
  body: 'Request body must be a string',
  bodyWithGet: 'GET and HEAD requests cannot have a body',
  redirectMode: 'Invalid redirect mode',
  redirected: 'Redirect refused (redirect mode is "error")',
} as const

const MAX_HEADERS = 100
const MAX_HEADER_BYTES = 16 * 1024
// Hop-by-hop and proxy headers are the client's business, not the guest's (request smuggling, proxy creds).
const STRIPPED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
  'http2-settings',
  'accept-encoding',
])

/**
 * Validates a guest's fetch init.
 * @throws ValidationError with one of REQUEST_ERROR_MESSAGES.
 */
export function normalizeFetchInit(init: unknown): NormalizedRequest {
  if (init === undefined || init === null)
    return { method: 'GET', headers: {}, body: undefined, redirect: 'follow' }
  if (typeof init !== 'object' || Array.isArray(init))
    throw new ValidationError(REQUEST_ERROR_MESSAGES.init)
  const { method = 'GET', headers, body, redirect = 'follow' } = init as Record<string, unknown>
  const upper = typeof method === 'string' ? method.toUpperCase() : undefined
  if (upper === undefined || !(FETCH_METHODS as readonly string[]).includes(upper))
    throw new ValidationError(REQUEST_ERROR_MESSAGES.method)
  if (redirect !== 'follow' && redirect !== 'manual' && redirect !== 'error')
    throw new ValidationError(REQUEST_ERROR_MESSAGES.redirectMode)
  if (body !== undefined && body !== null && typeof body !== 'string')
    throw new ValidationError(REQUEST_ERROR_MESSAGES.body)
  const text = typeof body === 'string' ? body : undefined
  if (text !== undefined && (upper === 'GET' || upper === 'HEAD'))
    throw new ValidationError(REQUEST_ERROR_MESSAGES.bodyWithGet)
  return { method: upper as FetchMethod, headers: normalizeHeaders(headers), body: text, redirect }
}

function normalizeHeaders(headers: unknown): Record<string, string> {
  if (headers === undefined || headers === null) return {}
  if (typeof headers !== 'object') throw new ValidationError(REQUEST_ERROR_MESSAGES.header)
  const entries: unknown[] = Array.isArray(headers) ? headers : Object.entries(headers)
  if (entries.length > MAX_HEADERS) throw new ValidationError(REQUEST_ERROR_MESSAGES.tooManyHeaders)
  const result: Record<string, string> = Object.create(null) as Record<string, string>
  let bytes = 0
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2)
      throw new ValidationError(REQUEST_ERROR_MESSAGES.header)
    const [name, value] = entry as [unknown, unknown]
    if (typeof name !== 'string' || typeof value !== 'string')
      throw new ValidationError(REQUEST_ERROR_MESSAGES.header)
    try {
      // Node's own checks: token characters in names, no CR/LF/NUL in values (header injection).
      validateHeaderName(name)
      validateHeaderValue(name, value)
    } catch {
      throw new ValidationError(REQUEST_ERROR_MESSAGES.header)
    }
    const lower = name.toLowerCase()
    if (lower === 'host') throw new ValidationError(REQUEST_ERROR_MESSAGES.host)
    bytes += name.length + value.length
    if (bytes > MAX_HEADER_BYTES) throw new ValidationError(REQUEST_ERROR_MESSAGES.tooManyHeaders)
    if (STRIPPED_HEADERS.has(lower) || lower.startsWith('proxy-')) continue
    result[lower] = lower in result ? `${result[lower]}, ${value}` : value
  }
  return result
}
