/**
 * The checks every option goes through: one shape per kind of value, each error naming the option, what
 * was expected and what was received.
 */
import { ConfigError } from '../errors.js'

export const MiB = 1024 * 1024
/** Upper bound for any byte quantity: 64 GiB, far past the machine, short of "unlimited" sentinels. */
export const MAX_BYTES = 64 * 1024 * MiB
/** Upper bound for any duration: 7 days. */
export const MAX_MS = 7 * 24 * 3600 * 1000

export function optionalEnum<T extends string>(
  option: string,
  value: unknown,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !allowed.includes(value as T))
    throw new ConfigError(option, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value)
  return value as T
}

/** A finite number in [min, max]; integers only when `integer`. */
export function checkNumber(
  option: string,
  value: unknown,
  { min, max, integer = false }: { min: number; max: number; integer?: boolean },
): number {
  const kind = integer ? 'an integer' : 'a finite number'
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)))
    throw new ConfigError(option, `${kind} between ${min} and ${max}`, value)
  if (value < min || value > max)
    throw new ConfigError(option, `${kind} between ${min} and ${max}`, value)
  return value
}

export function optionalNumber(
  option: string,
  value: unknown,
  range: { min: number; max: number; integer?: boolean },
): number | undefined {
  return value === undefined ? undefined : checkNumber(option, value, range)
}

export function optionalBoolean(option: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') throw new ConfigError(option, 'a boolean', value)
  return value
}

export function stringArray(option: string, value: unknown): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new ConfigError(option, 'an array of strings', value)
  return [...(value as string[])]
}

export function portArray(option: string, value: unknown, fallback: number[]): number[] {
  if (value === undefined) return [...fallback]
  if (!Array.isArray(value)) throw new ConfigError(option, 'an array of port numbers', value)
  return value.map((p, i) =>
    checkNumber(`${option}[${i}]`, p, { min: 1, max: 65535, integer: true }),
  )
}

export function plainObject(option: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return Object.create(null) as Record<string, unknown>
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(option, 'an object', value)
  return Object.assign(Object.create(null) as Record<string, unknown>, value)
}
