/**
 * When a container sandbox asks its runner for a spare node process (images/sandbox/harness/spare.py), so the
 * next JavaScript or TypeScript run does not pay node's start (~100 ms on runc, ~200 ms on runsc).
 *
 * Only after a node run that ended by itself and whose leftovers were verified gone (the host's census under
 * runc, the runner's end line under runsc): the spare starts when nothing of any guest is running, and the run
 * that takes it is its first guest code. Not in a session sandbox (its runs go to the live interpreter), not
 * after a limit outcome (the sandbox may be replaced), and not in a small sandbox: an idle node holds ~40 MiB
 * (runc) / ~113 MiB as gVisor counts it, which must not be what makes a sandbox's next run hit its limit.
 */
import { MiB, type ResolvedConfig } from '../../config.js'
import type { RunFacts } from './container-run.js'
import type { GuestCommand } from './guest-command.js'

/** Smallest memoryLimit that gets spares: an idle node (113 MiB under gVisor) takes less than half of it. */
export const SPARE_MIN_MEMORY_BYTES = 256 * MiB

/** True when the run just made (through the runner, not in a session) should leave a spare for its argv. */
export function wantsSpare(
  config: ResolvedConfig,
  command: GuestCommand,
  facts: RunFacts,
): boolean {
  return (
    !config.session &&
    command.cmd[0] === 'node' &&
    config.memoryLimitBytes >= SPARE_MIN_MEMORY_BYTES &&
    (facts.sweep === 'clean' || facts.sweep === 'cleaned') &&
    facts.stop === undefined &&
    !facts.runnerLost &&
    facts.oomKills === 0 &&
    facts.pidsLimitHits === 0
  )
}
