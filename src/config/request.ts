/**
 * ExecRequest (or a code string) → NormalizedRequest: validated once, at the manager's boundary, against
 * the sandbox's resolved config. Tiers trust every field.
 */
import { ConfigError } from '../errors.js'
import { LANGUAGES, type ExecRequest, type Language } from '../types.js'
import { checkNumber } from './checks.js'
import { FIELD_RANGES } from './field-ranges.js'
import { REQUEST_KEYS } from './option-keys.js'
import type { ResolvedConfig } from './options.js'
import { sandboxPath } from './sandbox-path.js'

/** A request after validation: the tier can trust every field. */
export interface NormalizedRequest {
  code: string
  language: Language
  input: unknown
  stdin: string | Uint8Array | undefined
  /** Wall-clock limit for this run, already capped by the sandbox's executionTime. */
  timeoutMs: number
  signal: AbortSignal | undefined
  fn: string | undefined
  args: unknown[] | undefined
  wasmBinary: Uint8Array | undefined
  /**
   * Where the tier sends output as it is written, in the guest's order; undefined when nobody listens
   * (the tier then sends it only with the result). The text is guest data: never parsed, never run.
   */
  onOutput: ((stream: OutputStreamName, text: string) => void) | undefined
  /** Files to write before the run: checked paths (sandbox-path.ts) and their bytes, in the caller's order. */
  files?: RequestFile[] | undefined
}

export interface RequestFile {
  path: string
  bytes: Uint8Array
}

export type OutputStreamName = 'stdout' | 'stderr'

/**
 * Validates a request for a sandbox with `config` and fills in its defaults.
 * @throws ConfigError naming the first invalid field.
 */
export function resolveRequest(
  request: string | ExecRequest,
  config: ResolvedConfig,
): NormalizedRequest {
  const r: ExecRequest = typeof request === 'string' ? { code: request } : request
  if (typeof r !== 'object' || r === null)
    throw new ConfigError('request', 'a code string or an ExecRequest', r)
  for (const key of Object.keys(r))
    if (!REQUEST_KEYS.has(key))
      throw new ConfigError(key, `a request field (${[...REQUEST_KEYS].join(', ')})`, key)
  const language = r.language ?? config.language ?? (r.wasmBinary ? 'wasm' : 'javascript')
  if (!(LANGUAGES as readonly Language[]).includes(language))
    throw new ConfigError('language', LANGUAGES.join(', '), language)
  if (r.code !== undefined && typeof r.code !== 'string')
    throw new ConfigError('code', 'a string', r.code)
  const wasmBinary = r.wasmBinary ?? config.wasm.wasmBinary
  if (wasmBinary !== undefined && !(wasmBinary instanceof Uint8Array))
    throw new ConfigError('wasmBinary', 'a Uint8Array', wasmBinary)
  if (r.code === undefined && !(language === 'wasm' && wasmBinary))
    throw new ConfigError('code', 'source code (a string)', r.code)
  if (r.signal !== undefined && !(r.signal instanceof AbortSignal))
    throw new ConfigError('signal', 'an AbortSignal', r.signal)
  if (r.stdin !== undefined && typeof r.stdin !== 'string' && !(r.stdin instanceof Uint8Array))
    throw new ConfigError('stdin', 'a string or a Uint8Array', r.stdin)
  if (r.args !== undefined && !Array.isArray(r.args))
    throw new ConfigError('args', 'an array', r.args)
  if (r.fn !== undefined && typeof r.fn !== 'string')
    throw new ConfigError('fn', 'an export name', r.fn)
  if (r.onOutput !== undefined && typeof r.onOutput !== 'function')
    throw new ConfigError('onOutput', 'a function ({ stream, text, tier }) => void', r.onOutput)
  const files = requestFiles(r.files, config.diskSpaceBytes)
  return {
    code: r.code ?? '',
    language,
    input: checkJsonSafe(r.input),
    stdin: r.stdin,
    timeoutMs: runTimeout(r.timeoutMs, config.executionTimeMs),
    signal: r.signal,
    fn: r.fn,
    args: r.args,
    wasmBinary,
    // The manager puts its own sink here (it adds the tier and the 'output' event, and guards the caller's).
    onOutput: undefined,
    files,
  }
}

/**
 * `files`: each path checked once (an error names `files["name"]`), text as UTF-8, and all the bytes at most
 * the sandbox's diskSpace (they could not fit in its folder anyway).
 */
function requestFiles(value: unknown, diskSpaceBytes: number): RequestFile[] | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError('files', 'an object of path → string or Uint8Array', value)
  const files: RequestFile[] = []
  let totalBytes = 0
  for (const [name, data] of Object.entries(value as Record<string, unknown>)) {
    const option = `files[${JSON.stringify(name)}]`
    const path = sandboxPath(name, option)
    if (path === '.') throw new ConfigError(option, 'a file path, not the folder itself', name)
    let bytes: Uint8Array
    if (typeof data === 'string') bytes = Buffer.from(data, 'utf8')
    else if (data instanceof Uint8Array) bytes = data
    else throw new ConfigError(option, 'a string or a Uint8Array', data)
    totalBytes += bytes.byteLength
    files.push({ path, bytes })
  }
  if (totalBytes > diskSpaceBytes)
    throw new ConfigError(
      'files',
      `at most limits.diskSpace (${diskSpaceBytes} bytes) in total`,
      totalBytes,
    )
  return files
}

/** A run's wall-clock limit: the request's `timeoutMs`, at most the sandbox's limit. */
function runTimeout(value: unknown, sandboxLimitMs: number): number {
  if (value === undefined) return sandboxLimitMs
  return Math.min(checkNumber('timeoutMs', value, FIELD_RANGES.timeoutMs), sandboxLimitMs)
}

// The input crosses into the guest as JSON: refuse what JSON would silently drop or change (functions,
// symbols, bigints, cycles, class instances), rather than hand the guest something else than was passed.
function checkJsonSafe(input: unknown): unknown {
  if (input === undefined) return undefined
  const problem = findNonJson(input, new Set())
  if (problem !== undefined)
    throw new ConfigError(
      'input',
      'a JSON-safe value (plain objects, arrays, strings, numbers, booleans, null)',
      problem,
    )
  return JSON.parse(JSON.stringify(input)) as unknown
}

function findNonJson(value: unknown, seen: Set<object>): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : value
  if (typeof value !== 'object') return value
  if (seen.has(value)) return value
  const proto = Object.getPrototypeOf(value) as unknown
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value
  seen.add(value)
  for (const item of Object.values(value)) {
    if (item === undefined && !Array.isArray(value)) continue
    const problem = findNonJson(item, seen)
    if (problem !== undefined) return problem
  }
  seen.delete(value)
  return undefined
}
