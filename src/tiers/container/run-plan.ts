/**
 * How one harness or shell run is carried out in its container: its limits, whether it goes to the
 * resident runner or to an exec of its own, and the command in the form that runtime needs. Pure: the
 * sandbox decides with it, container-run.ts carries it out.
 */
import type { ResolvedConfig } from '../../config.js'
import type { RunLimits } from './container-run.js'
import type { ContainerRuntime } from './engine.js'
import { withEndNonce, withEndOfRun, type GuestCommand } from './guest-command.js'
import type { RunnerChannel } from './runner-channel.js'

/** Room for the harness's error description on top of the value's maxOutputBytes. */
const REPORT_OVERHEAD_BYTES = 16 * 1024

export interface RunPlan {
  limits: RunLimits
  runner: RunnerChannel | undefined
  command: GuestCommand
}

export function planRun(
  config: ResolvedConfig,
  runtime: ContainerRuntime,
  command: GuestCommand,
  runner: RunnerChannel | undefined,
  timeoutMs: number,
): RunPlan {
  // Harness runs go to the runner while it is healthy (a broken one was reported and replaced); shell code
  // always runs in an exec of its own.
  const viaRunner = command.nonce !== undefined && runner && !runner.broken ? runner : undefined
  // Under runsc the run ends itself whole (a second exec costs ~50-100 ms there), vouched for by the runner
  // or by run-guest.sh in its exec; under runc the host's census checks it for free, and neither could be
  // trusted there (no Yama on the host).
  const runsc = runtime === 'runsc'
  return {
    limits: {
      timeoutMs: Math.max(timeoutMs, 1),
      cpuTimeMs: config.cpuTimeMs,
      cpuQuota: config.cpuQuota,
      maxOutputBytes: config.maxOutputBytes,
      maxReportBytes: config.maxOutputBytes + REPORT_OVERHEAD_BYTES,
    },
    runner: viaRunner,
    command: runsc ? (viaRunner ? withEndNonce(command) : withEndOfRun(command)) : command,
  }
}
