/**
 * Refuses configs a container tier cannot enforce or must not run, at createSandbox, with the option named.
 */
import { MiB, type ResolvedConfig } from '../../config.js'
import { ConfigError } from '../../errors.js'
import type { ContainerRuntime } from './engine.js'
import { volumeBinds } from './volumes.js'

/** Docker refuses memory limits under 6 MiB. */
export const MIN_MEMORY_BYTES = 6 * MiB
/**
 * The gVisor Sentry's own memory is charged to the container's cgroup: measured here, 13 MiB idle and a
 * 22 MiB peak for `node -e 1+1` (15 MiB for a shell), so runsc sandboxes get at least 48 MiB.
 */
export const MIN_RUNSC_MEMORY_BYTES = 48 * MiB
/** node alone runs about 11 threads, each counted by the pids cgroup under runc. */
export const MIN_PID_LIMIT = 16

/**
 * Capabilities that would give the guest the kernel or the host, even as a non-root user. SETUID and SETGID
 * would let it leave its own uid for another sandbox's (or a host user's) and share their per-uid kernel
 * budgets (see sandbox-uids.ts).
 */
const FORBIDDEN_CAPABILITIES = new Set([
  'ALL', 'SYS_ADMIN', 'SYS_MODULE', 'SYS_PTRACE', 'SYS_RAWIO', 'SYS_BOOT', 'SYS_TIME', 'SYSLOG',
  'MAC_ADMIN', 'MAC_OVERRIDE', 'NET_ADMIN', 'DAC_READ_SEARCH', 'BPF', 'PERFMON', 'AUDIT_CONTROL',
  'SYS_RESOURCE', 'LINUX_IMMUTABLE', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'CHECKPOINT_RESTORE',
  'SETUID', 'SETGID', 'SETPCAP',
]) // prettier-ignore

function checkCapabilities(capabilities: readonly string[]): void {
  capabilities.forEach((raw, i) => {
    const name = raw.toUpperCase().replace(/^CAP_/, '')
    if (!/^[A-Z_]+$/.test(name))
      throw new ConfigError(`capabilities[${i}]`, 'a capability name', raw)
    if (FORBIDDEN_CAPABILITIES.has(name))
      throw new ConfigError(
        `capabilities[${i}]`,
        'a capability that does not grant the host or kernel',
        raw,
      )
  })
}

/**
 * Validates the container part of a config for one runtime.
 * @throws ConfigError naming the first unacceptable option.
 */
export function checkContainerConfig(config: ResolvedConfig, runtime: ContainerRuntime): void {
  const minMemory = runtime === 'runsc' ? MIN_RUNSC_MEMORY_BYTES : MIN_MEMORY_BYTES
  if (config.memoryLimitBytes < minMemory)
    throw new ConfigError(
      'memoryLimit',
      `at least ${minMemory} bytes on ${runtime}`,
      config.memoryLimitBytes,
    )
  if (config.pidLimit < MIN_PID_LIMIT)
    throw new ConfigError(
      'pidLimit',
      `at least ${MIN_PID_LIMIT} (node alone runs ~11 threads)`,
      config.pidLimit,
    )
  const { image, command, capabilities, volumes } = config.container
  if (!/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(image))
    throw new ConfigError('image', 'a local image reference (name[:tag] or name@digest)', image)
  if (command !== undefined && (command.length === 0 || command.some((c) => c.length === 0)))
    throw new ConfigError('command', 'a non-empty array of non-empty strings', command)
  checkCapabilities(capabilities)
  volumeBinds(volumes)
}
