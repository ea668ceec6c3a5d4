/** Human units on the command line: sizes like `64m`, durations like `2s`. */
import { ConfigError } from '../errors.js'

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
}
const TIME_UNITS: Record<string, number> = { '': 1, ms: 1, s: 1000, m: 60_000 }

function parseWithUnits(
  option: string,
  text: string,
  units: Record<string, number>,
  expectation: string,
): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim())
  const factor = match ? units[(match[2] ?? '').toLowerCase()] : undefined
  if (!match || factor === undefined) throw new ConfigError(option, expectation, text)
  return Math.round(Number(match[1]) * factor)
}

/** `64m` → 67108864. */
export function parseSize(option: string, text: string): number {
  return parseWithUnits(option, text, SIZE_UNITS, 'a size such as 64m, 512k or 1g')
}

/** `2s` → 2000, `500ms` → 500, `1m` → 60000; a bare number is milliseconds. */
export function parseDuration(option: string, text: string): number {
  return parseWithUnits(option, text, TIME_UNITS, 'a duration such as 500ms, 2s or 1m')
}
