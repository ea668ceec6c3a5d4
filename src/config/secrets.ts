/**
 * The `secrets` option resolved: each secret gets a placeholder of its own for this sandbox (what the
 * guest sees), while its value stays on the host, on a property that is not enumerable (JSON, spread,
 * util.inspect and postMessage to a worker all skip it). Errors name the option and never echo a value.
 */
import { randomBytes } from 'node:crypto'
import { validateHeaderValue } from 'node:http'
import { ConfigError } from '../errors.js'
import { plainObject } from './checks.js'

/** Where a placeholder may be replaced by its value in a request. */
export const SECRET_LOCATIONS = ['header', 'query', 'body'] as const
export type SecretLocation = (typeof SECRET_LOCATIONS)[number]

/** A secret as configured: `secrets: { API_KEY: { value, hosts: ['api.example.com'] } }`. */
export interface SecretOptions {
  /** The real value; only the host holds it. At least MIN_SECRET_CHARS characters. */
  value: string
  /** Hosts it is sent to: exact names or `*.suffix`, an optional `:port`, as in `allowedDomains`. */
  hosts: string[]
  /** Where in a request to those hosts the placeholder is replaced. @default ['header'] */
  in?: SecretLocation[]
}

/** A resolved secret; `value` is a non-enumerable property. */
export interface ResolvedSecret {
  readonly name: string
  /** What the guest sees instead of the value: unguessable, new for every sandbox. */
  readonly placeholder: string
  readonly value: string
  readonly hosts: readonly string[]
  readonly in: readonly SecretLocation[]
}

/**
 * Shorter values cannot be told apart from ordinary response text: scrubbing them would rewrite it.
 */
export const MIN_SECRET_CHARS = 8
const MAX_SECRET_CHARS = 64 * 1024
const MAX_SECRETS = 64
// Names are environment variable names: the guest reads them as env.NAME / os.environ['NAME'].
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/

function redacted(value: unknown): unknown {
  return typeof value === 'string' ? `<redacted, ${value.length} characters>` : value
}

/** A placeholder: letters, digits and `_` only, so it passes unchanged through headers, URLs and JSON. */
export function newPlaceholder(name: string): string {
  return `SANDTIER_SECRET_${name}_${randomBytes(16).toString('hex')}`
}

function checkHost(option: string, entry: unknown): string {
  const expectation = "a host name or '*.' + a domain, with an optional ':port'"
  if (typeof entry !== 'string' || entry.length === 0)
    throw new ConfigError(option, expectation, entry)
  const rest = entry.startsWith('*.') ? entry.slice(2) : entry
  if (rest.length === 0 || /[*/\\@?#\s]/.test(rest))
    throw new ConfigError(option, expectation, entry)
  try {
    if (new URL(`http://${rest}`).hostname === '') throw new Error('empty host')
  } catch {
    throw new ConfigError(option, expectation, entry)
  }
  return entry
}

function resolveOne(name: string, input: unknown): ResolvedSecret {
  const option = `secrets.${name}`
  if (!NAME_PATTERN.test(name))
    throw new ConfigError(
      'secrets',
      'names that are environment variable names ([A-Za-z_][A-Za-z0-9_]*)',
      name,
    )
  const secret = plainObject(option, input)
  for (const key of Object.keys(secret))
    if (key !== 'value' && key !== 'hosts' && key !== 'in')
      throw new ConfigError(`${option}.${key}`, 'one of value, hosts, in', key)
  const value = secret['value']
  if (
    typeof value !== 'string' ||
    value.length < MIN_SECRET_CHARS ||
    value.length > MAX_SECRET_CHARS
  )
    throw new ConfigError(
      `${option}.value`,
      `a string of ${MIN_SECRET_CHARS} to ${MAX_SECRET_CHARS} characters`,
      redacted(value),
    )
  const hosts = secret['hosts']
  if (!Array.isArray(hosts) || hosts.length === 0)
    throw new ConfigError(`${option}.hosts`, 'a non-empty array of host names', hosts)
  const where = secret['in'] ?? ['header']
  if (
    !Array.isArray(where) ||
    where.length === 0 ||
    where.some((w) => !(SECRET_LOCATIONS as readonly unknown[]).includes(w))
  )
    throw new ConfigError(`${option}.in`, "a non-empty array of 'header', 'query', 'body'", where)
  if (where.includes('header')) {
    try {
      validateHeaderValue(name, value)
    } catch {
      throw new ConfigError(
        `${option}.value`,
        'a valid header value (no control characters) when `in` includes header',
        redacted(value),
      )
    }
  }
  const resolved = {
    name,
    placeholder: newPlaceholder(name),
    hosts: Object.freeze(hosts.map((h, i) => checkHost(`${option}.hosts[${i}]`, h))),
    in: Object.freeze([...new Set(where as SecretLocation[])]),
  }
  Object.defineProperty(resolved, 'value', { value, enumerable: false })
  return Object.freeze(resolved) as ResolvedSecret
}

/**
 * Resolves `secrets`: new placeholders on every call (one call per sandbox).
 * @throws ConfigError naming `secrets.NAME.value|hosts|in`; a value is never part of the message.
 */
export function resolveSecrets(input: unknown): readonly ResolvedSecret[] {
  const secrets = plainObject('secrets', input)
  const names = Object.keys(secrets)
  if (names.length > MAX_SECRETS)
    throw new ConfigError('secrets', `at most ${MAX_SECRETS} secrets`, names.length)
  const resolved = names.map((name) => resolveOne(name, secrets[name]))
  const values = new Set<string>()
  for (const secret of resolved) {
    if (values.has(secret.value))
      throw new ConfigError(
        `secrets.${secret.name}.value`,
        'a value no other secret has',
        redacted(secret.value),
      )
    values.add(secret.value)
  }
  return Object.freeze(resolved)
}

/** The guest's view of the secrets: name → placeholder. */
export function secretPlaceholders(secrets: readonly ResolvedSecret[]): Record<string, string> {
  const env: Record<string, string> = {}
  for (const secret of secrets) env[secret.name] = secret.placeholder
  return env
}
