/**
 * NormalizedRequest → the process a container runs for it. JavaScript and TypeScript go through the node
 * harness (types stripped and module mode chosen on the host, off its main thread: js-source-pool.ts), Python
 * through the python harness, shell through a fixed `sh -c` loader that `eval`s the code.
 *
 * The request (code, input, report nonce) never sits where another process of the sandbox could read it: not
 * in the exec's environment (/proc/<pid>/environ), not in argv (/proc/<pid>/cmdline), not in a file. It is the
 * first thing on the exec's stdin, framed as `<byte length>\n<request>`, and the harness or loader reads exactly
 * that much before any guest code runs; the guest's own stdin follows it.
 */
import { randomBytes } from 'node:crypto'
import { MiB, type ResolvedConfig } from '../../config.js'
import { ConfigError } from '../../errors.js'
import { resourceError } from '../../limits/limit-errors.js'
import type { ResultError } from '../../types.js'
import type { NormalizedRequest } from '../tier.js'
import { prepareOffThread } from './js-source-pool.js'

export const HARNESS_DIR = '/opt/sandtier'

/**
 * Shell code up to this size is read by the shell's own `read` (one syscall per byte, no process started:
 * a process costs tens of milliseconds under gVisor); larger code by `head -c`, one process but few syscalls.
 */
export const SHELL_READ_MAX_BYTES = 16 * 1024

/**
 * Both loaders read the framed code from stdin and then run it in this same shell (so `exit`, traps and `$0`
 * behave as with `sh -c <code>`); neither reads past it, so the guest's stdin is left for the guest.
 * SHELL_LINE_LOADER reads `<line count>\n<lines>`, SHELL_BYTE_LOADER `<byte count>\n<bytes>`.
 */
export const SHELL_LINE_LOADER =
  'read -r __sandtier_n || exit 125; __sandtier_code=; ' +
  'while [ "$__sandtier_n" -gt 0 ] && IFS= read -r __sandtier_line; do ' +
  '__sandtier_code="$__sandtier_code$__sandtier_line\n"; __sandtier_n=$((__sandtier_n - 1)); done; ' +
  'unset __sandtier_n __sandtier_line; eval "$__sandtier_code"'
export const SHELL_BYTE_LOADER =
  'read -r __sandtier_n || exit 125; __sandtier_code=$(head -c "$__sandtier_n") || exit 125; ' +
  'unset __sandtier_n; eval "$__sandtier_code"'

/** The process to run for a request. */
export interface GuestCommand {
  cmd: string[]
  /** The harness report nonce; undefined for shell, which has no value. */
  nonce: string | undefined
  /** The start of the exec's stdin: the framed request. The guest's own stdin is sent after it. */
  request: Buffer
  /** Set when run-guest.sh ends the run inside the exec and vouches for it with this nonce (runsc). */
  endNonce?: string
}

/** A request that ends before anything runs: source that does not parse, or its preparation was stopped. */
export interface GuestEarlyEnd {
  early: 'error' | 'timeout' | 'cancelled'
  error?: ResultError
}

/** The deadline and signal of the run, which bound the preparation of its source too. */
export interface PrepareBounds {
  timeoutMs: number
  signal: AbortSignal | undefined
}

/** The harness command of a language; a run of it (and a spare for it, spare-policy.ts) starts this argv. */
export function interpreter(
  language: 'javascript' | 'typescript' | 'python',
  config: ResolvedConfig,
): string[] {
  if (language === 'python') return ['python3', `${HARNESS_DIR}/run-python.py`]
  // Size V8's heap to the container instead of the host, so a heap bomb meets a limit the tier can read.
  const heapMb = Math.max(8, Math.floor(config.memoryLimitBytes / MiB))
  // With the old space set small, V8 shrinks its young generation too, and allocation-heavy code pays for
  // many more scavenges: a JSON round trip of 2e5 objects took 1,111-1,160 ms in a 512 MiB container against
  // 660-697 ms with 32 MB semi-spaces (runc, `docker run … node`). A 32nd of the limit per semi-space (at most
  // 3 of them live: under a tenth of the limit), between V8's own 1 and 32 MB.
  const semiMb = Math.min(32, Math.max(1, Math.floor(heapMb / 32)))
  return [
    'node',
    `--max-old-space-size=${heapMb}`,
    `--max-semi-space-size=${semiMb}`,
    // Start the young generation at that size: growing it step by step cost sort 1e6 and the JSON round trip
    // more scavenges, each with fresh pages (a fault and a map under gVisor's ptrace platform).
    `--min-semi-space-size=${semiMb}`,
    // Within one CPU's quota V8's GC helper threads only take turns with the main thread, and each hand-off
    // is a futex round trip (a ptrace stop under gVisor). Interleaved `docker run` A/B, 1 GiB, --cpus=1,
    // medians of 4 with both flags above against the max alone (issue 17's note): runsc regex 1,900 → 1,375
    // ms, JSON 1,312 → 916, sort 531 → 393; runc regex 1,198 → 868, sort 515 → 390, JSON 836 → 947 (noisy);
    // fib unchanged on both.
    ...(config.cpuQuota < 2 ? ['--single-threaded-gc'] : []),
    `${HARNESS_DIR}/run-node.mjs`,
  ]
}

/** `<byte length>\n<bytes>`: what the harnesses and SHELL_BYTE_LOADER read first from stdin. */
export function frameRequest(body: string): Buffer {
  const bytes = Buffer.from(body, 'utf8')
  return Buffer.concat([Buffer.from(`${bytes.length}\n`), bytes])
}

/** The shell command for `code`, and its framing (see SHELL_LINE_LOADER / SHELL_BYTE_LOADER). */
function shellCommand(code: string): GuestCommand {
  if (Buffer.byteLength(code) > SHELL_READ_MAX_BYTES)
    return { cmd: ['sh', '-c', SHELL_BYTE_LOADER], nonce: undefined, request: frameRequest(code) }
  // `read` needs every line ended; one more newline at the end changes nothing for sh.
  const text = code.endsWith('\n') ? code : `${code}\n`
  const lines = text.split('\n').length - 1
  return {
    cmd: ['sh', '-c', SHELL_LINE_LOADER],
    nonce: undefined,
    request: Buffer.concat([Buffer.from(`${lines}\n`), Buffer.from(text)]),
  }
}

/**
 * The command run under run-guest.sh, which ends the run whole inside the same exec when the command is done
 * and vouches for it with a nonce only it knows (see that script for why this holds under gVisor only).
 */
export function withEndOfRun(command: GuestCommand): GuestCommand {
  const endNonce = randomBytes(16).toString('hex')
  return {
    ...command,
    cmd: ['sh', `${HARNESS_DIR}/run-guest.sh`, ...command.cmd],
    request: Buffer.concat([Buffer.from(`${endNonce}\n`), command.request]),
    endNonce,
  }
}

/**
 * The command as the container's runner runs it under runsc: the runner ends the run whole itself and vouches
 * for it with this nonce, which it reads only after forking the run (images/sandbox/harness/runner.py).
 */
export function withEndNonce(command: GuestCommand): GuestCommand {
  return { ...command, endNonce: randomBytes(16).toString('hex') }
}

/** @throws ConfigError naming `maxSourceBytes` when the code is larger. */
function checkSourceSize(code: string, config: ResolvedConfig): void {
  const bytes = Buffer.byteLength(code)
  if (bytes > config.container.maxSourceBytes)
    throw new ConfigError(
      'maxSourceBytes',
      `code of at most ${config.container.maxSourceBytes} bytes`,
      `${bytes} bytes of code`,
    )
}

/**
 * Builds the command for a request.
 * @throws ConfigError for a language containers do not run (assemblyscript, wasm), or code larger than
 *   `maxSourceBytes`.
 */
export async function guestCommand(
  request: NormalizedRequest,
  config: ResolvedConfig,
  bounds: PrepareBounds,
): Promise<GuestCommand | GuestEarlyEnd> {
  const nonce = randomBytes(16).toString('hex')
  const input = request.input === undefined ? {} : { input: request.input }
  switch (request.language) {
    case 'shell':
      checkSourceSize(request.code, config)
      return shellCommand(request.code)
    case 'python': {
      checkSourceSize(request.code, config)
      const payload = { code: request.code, nonce, ...input }
      return {
        cmd: interpreter('python', config),
        nonce,
        request: frameRequest(JSON.stringify(payload)),
      }
    }
    case 'javascript':
    case 'typescript': {
      checkSourceSize(request.code, config)
      const prepared = await prepareOffThread(request.code, request.language, bounds)
      if (!prepared.ok) {
        if (prepared.reason === 'syntax')
          return {
            early: 'error',
            error: { name: 'SyntaxError', message: prepared.message, code: 'ERR_GUEST' },
          }
        if (prepared.reason === 'resources')
          return {
            early: 'error',
            error: resourceError(prepared.message),
          }
        return { early: prepared.reason }
      }
      const { code, isModule } = prepared.source
      const payload = { code, isModule, nonce, ...input }
      return {
        cmd: interpreter(request.language, config),
        nonce,
        request: frameRequest(JSON.stringify(payload)),
      }
    }
    default:
      throw new ConfigError(
        'language',
        "'javascript', 'typescript', 'python' or 'shell'",
        request.language,
      )
  }
}
