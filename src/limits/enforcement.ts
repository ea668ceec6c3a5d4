/**
 * One place that says how each tier enforces each limit (docs/limits.md is written from it). Every tier
 * enforces every limit that applies to it, so no config is refused for a limit a tier cannot enforce; a new
 * tier with a gap must refuse it at createSandbox, never ignore it silently.
 */
import type { TierId } from '../types.js'

/** How a tier bounds a resource. */
export type Enforcement =
  | 'hard' // the tier stops the run at the limit
  | 'throttle' // the tier slows the guest down to the limit
  | 'not-applicable' // the tier has no such resource (no disk in QuickJS)

export type EnforcedLimit =
  | 'memory'
  | 'cpuTime'
  | 'executionTime'
  | 'diskSpace'
  | 'networkBandwidth'
  | 'maxOutputBytes'
  | 'pids'
  | 'network'

// In process (quickjs: the sandbox's own WebAssembly.Memory maximum, guest-thread busy time via the interrupt
// handler, worker termination; wasm: imported memory maximum, worker termination): no disk, no processes, the
// network only through the host's guarded fetch.
const IN_PROCESS: Record<EnforcedLimit, Enforcement> = {
  memory: 'hard',
  cpuTime: 'hard',
  executionTime: 'hard',
  diskSpace: 'not-applicable',
  networkBandwidth: 'throttle',
  maxOutputBytes: 'hard',
  pids: 'not-applicable',
  network: 'hard',
}

// Containers (runc and runsc alike): cgroups for memory, pids, CPU; tmpfs size for disk; the exec killer for
// wall time; the network only through the sandbox's policy proxy (paced to the bandwidth).
const CONTAINER: Record<EnforcedLimit, Enforcement> = {
  memory: 'hard',
  cpuTime: 'hard',
  executionTime: 'hard',
  diskSpace: 'hard',
  networkBandwidth: 'throttle',
  maxOutputBytes: 'hard',
  pids: 'hard',
  network: 'hard',
}

/** The mechanism behind each limit, per tier (see docs/limits.md). */
export const ENFORCEMENT: Record<TierId, Record<EnforcedLimit, Enforcement>> = {
  quickjs: IN_PROCESS,
  wasm: IN_PROCESS,
  // pywasm: the interpreter's memory maximum, worker termination, an in-memory /work bounded by diskSpace.
  pywasm: { ...IN_PROCESS, diskSpace: 'hard' },
  docker: CONTAINER,
  gvisor: CONTAINER,
}
