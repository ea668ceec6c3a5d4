/**
 * When a container sandbox asks its runner for a spare (images/sandbox/harness/spare.py): the next run's
 * process, started ahead and waiting in its request read, so the run does not pay that start. For node that
 * is node's start (~100 ms on runc, ~200 ms on runsc); for the python harness the runner's fork (~20 ms under
 * gVisor's ptrace platform, where every new address space is a new host process; <1 ms on runc).
 *
 * Only when nothing of any guest is running: while a container waits in the warm pool (the spare of the language
 * of the sandbox that took one of its key last), when the container is acquired (no guest code ran in it yet), or
 * after a run that ended by itself and whose leftovers were verified gone (the host's census under runc, the
 * runner's end line under runsc). So the run that takes a spare is its first guest code. Not in a session
 * sandbox (its runs go to the live interpreter), not after a limit outcome (the sandbox may be replaced), and
 * node not in a small sandbox: an idle node holds ~40 MiB (runc) / ~113 MiB as gVisor counts it, which must
 * not be what makes a sandbox's next run hit its limit. A python spare is a fork of the runner that shares its
 * pages until it writes them: ~1 MiB of its own on runc, ~7 MiB as gVisor counts it, and it is the next
 * python run itself (dropped before any other run), so every sandbox gets one.
 */
import { MiB, type ResolvedConfig } from '../../config.js'
import { HARNESS_DIR, interpreter, type GuestCommand } from './guest-command.js'

/** Smallest memoryLimit that gets node spares: an idle node (113 MiB under gVisor) takes less than half of it. */
export const SPARE_MIN_MEMORY_BYTES = 256 * MiB

function spareFits(config: ResolvedConfig, argv: readonly string[]): boolean {
  if (config.session) return false
  if (argv[0] === 'node') return config.memoryLimitBytes >= SPARE_MIN_MEMORY_BYTES
  return argv.length === 2 && argv[0] === 'python3' && argv[1] === `${HARNESS_DIR}/run-python.py`
}

/**
 * True when the run just made (through the runner, not in a session) should leave a spare for its argv; the
 * caller asks only after a run that ended clean (classify-run.ts endedClean: nothing of it left, no limit).
 */
export function wantsSpare(config: ResolvedConfig, command: GuestCommand): boolean {
  return spareFits(config, command.cmd)
}

/**
 * The argv of the spare a freshly acquired container asks for: that of the sandbox's language (the default
 * language of its executes), when it gets one; else undefined.
 */
export function firstSpareArgv(config: ResolvedConfig): string[] | undefined {
  const language = config.language ?? 'javascript'
  if (language !== 'javascript' && language !== 'typescript' && language !== 'python')
    return undefined
  const argv = interpreter(language, config)
  return spareFits(config, argv) ? argv : undefined
}
