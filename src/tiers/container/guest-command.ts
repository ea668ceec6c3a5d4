/**
 * NormalizedRequest → the process a container runs for it. JavaScript and TypeScript go through the node
 * harness (types stripped and module mode chosen on the host, see js-source.ts), Python
 * through the python harness, shell straight to `sh -c`. Small requests travel in the exec's environment;
 * requests past what one environment string may hold (128 KiB on Linux) are written to a file first.
 */
import { randomBytes } from 'node:crypto'
import type { ResolvedConfig } from '../../config.js'
import { ConfigError } from '../../errors.js'
import type { ResultError } from '../../types.js'
import type { NormalizedRequest } from '../tier.js'
import { prepareJavaScript } from './js-source.js'

export const HARNESS_DIR = '/opt/sandtier'
/** Where requests too large for the environment are staged (tmpfs, noexec, private to the sandbox). */
export const STAGING_DIR = '/tmp/.sandtier'
/** Largest request passed in the environment; MAX_ARG_STRLEN is 128 KiB. */
export const MAX_INLINE_REQUEST_BYTES = 96 * 1024

/** The process to run for a request, and an optional file to write before it. */
export interface GuestCommand {
  cmd: string[]
  env: string[]
  /** The harness report nonce; undefined for shell, which has no value. */
  nonce: string | undefined
  /** Written into the sandbox before the command runs. */
  stage?: { path: string; data: Buffer }
}

/** A request that fails before anything runs (TypeScript that does not parse). */
export interface GuestCompileError {
  compileError: ResultError
}

function interpreter(
  language: 'javascript' | 'typescript' | 'python',
  config: ResolvedConfig,
): string[] {
  if (language === 'python') return ['python3', `${HARNESS_DIR}/run-python.py`]
  // Size V8's heap to the container instead of the host, so a heap bomb meets a limit the tier can read.
  const heapMb = Math.max(8, Math.floor(config.memoryLimitBytes / (1024 * 1024)))
  return ['node', `--max-old-space-size=${heapMb}`, `${HARNESS_DIR}/run-node.mjs`]
}

function harnessCommand(
  base: string[],
  payload: Record<string, unknown>,
  nonce: string,
): GuestCommand {
  const json = JSON.stringify(payload)
  if (Buffer.byteLength(json) <= MAX_INLINE_REQUEST_BYTES)
    return { cmd: base, env: [`SANDTIER_REQ=${json}`], nonce }
  const path = `${STAGING_DIR}/req-${nonce}.json`
  return {
    cmd: base,
    env: [`SANDTIER_REQ_FILE=${path}`],
    nonce,
    stage: { path, data: Buffer.from(json) },
  }
}

function shellCommand(code: string, nonce: string): GuestCommand {
  if (Buffer.byteLength(code) <= MAX_INLINE_REQUEST_BYTES)
    return { cmd: ['sh', '-c', code], env: [], nonce: undefined }
  const path = `${STAGING_DIR}/main-${nonce}.sh`
  return { cmd: ['sh', path], env: [], nonce: undefined, stage: { path, data: Buffer.from(code) } }
}

/**
 * Builds the command for a request.
 * @throws ConfigError for a language containers do not run (assemblyscript, wasm).
 */
export function guestCommand(
  request: NormalizedRequest,
  config: ResolvedConfig,
): GuestCommand | GuestCompileError {
  const nonce = randomBytes(16).toString('hex')
  const input = request.input === undefined ? {} : { input: request.input }
  switch (request.language) {
    case 'shell':
      return shellCommand(request.code, nonce)
    case 'python':
      return harnessCommand(
        interpreter('python', config),
        { code: request.code, nonce, ...input },
        nonce,
      )
    case 'javascript':
    case 'typescript': {
      let prepared: { code: string; isModule: boolean }
      try {
        prepared = prepareJavaScript(request.code, request.language)
      } catch (error) {
        const e = error as Error
        return { compileError: { name: 'SyntaxError', message: e.message, code: 'ERR_GUEST' } }
      }
      const payload = { code: prepared.code, isModule: prepared.isModule, nonce, ...input }
      return harnessCommand(interpreter(request.language, config), payload, nonce)
    }
    default:
      throw new ConfigError(
        'language',
        "'javascript', 'typescript', 'python' or 'shell'",
        request.language,
      )
  }
}
