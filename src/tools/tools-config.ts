/**
 * The server's configuration (the JSON file `sandtier mcp --config` reads, or the object createTools
 * takes): which tiers a call may use, the limits no call may raise, the network policy, the session caps
 * and how many calls run at once. Limits and policy are checked by the library's own resolveConfig.
 */
import { ConfigError, type SandboxConfig, type TierId } from '../index.js'
import { resolveConfig } from '../tiers/index.js'
import { FIELD_RANGES } from '../config/field-ranges.js'

const TIERS: readonly TierId[] = ['quickjs', 'wasm', 'pywasm', 'docker', 'gvisor']

/** The limits a call may lower and never raise (bytes and milliseconds). */
export interface ToolLimits {
  memory?: number
  executionTime?: number
  cpuTime?: number
  maxOutputBytes?: number
  diskSpace?: number
}

export interface ToolsConfig {
  /**
   * Tiers a call may run on. pywasm is opt-in: a call's sandbox is on one tier (no escalation), so Python that
   * needs what WASI lacks (subprocess, sockets, packages) fails there where gvisor would run it.
   * @default ['quickjs', 'wasm', 'gvisor']
   */
  tiers?: TierId[]
  /** Containers for 'untrusted' code run on gVisor, 'trusted' on runc. @default 'untrusted' */
  trust?: 'untrusted' | 'trusted'
  /** The ceiling of every call's limits, and their default. @default the library's defaults */
  limits?: ToolLimits
  /** Hosts a guest may reach (deny by default), with the library's `network` options. */
  network?: Pick<SandboxConfig, 'allowedDomains' | 'blockedPorts' | 'network'>
  sessions?: {
    /** Live sessions one client may hold. @default 8 */
    maxPerClient?: number
    /** Live sessions across all clients. @default 64 */
    maxTotal?: number
    /** A session unused this long is closed. @default 600_000 */
    idleMs?: number
    /** A session is closed this long after it was made, used or not. @default 3_600_000 */
    maxLifetimeMs?: number
  }
  calls?: {
    /** Tool calls running at once across all clients. @default 4 */
    maxConcurrent?: number
    /** Calls waiting for a slot; one more is refused as busy. @default 32 */
    maxQueued?: number
  }
}

export interface ResolvedToolsConfig {
  tiers: TierId[]
  trust: 'untrusted' | 'trusted'
  limits: Required<ToolLimits>
  /** What every sandbox starts from: trust and the network policy. */
  sandbox: SandboxConfig
  sessions: { maxPerClient: number; maxTotal: number; idleMs: number; maxLifetimeMs: number }
  calls: { maxConcurrent: number; maxQueued: number }
}

const KEYS = {
  '': ['tiers', 'trust', 'limits', 'network', 'sessions', 'calls'],
  limits: ['memory', 'executionTime', 'cpuTime', 'maxOutputBytes', 'diskSpace'],
  network: ['allowedDomains', 'blockedPorts', 'network'],
  sessions: ['maxPerClient', 'maxTotal', 'idleMs', 'maxLifetimeMs'],
  calls: ['maxConcurrent', 'maxQueued'],
} as const

/**
 * Validates a server configuration and fills in its defaults.
 * @throws ConfigError naming the first invalid field (`config.sessions.idleMs`, `limits.memory`, …).
 */
export function resolveToolsConfig(input: unknown = {}): ResolvedToolsConfig {
  const config = section('config', input, KEYS[''])
  const tiers = config['tiers'] ?? ['quickjs', 'wasm', 'gvisor']
  if (
    !Array.isArray(tiers) ||
    tiers.length === 0 ||
    tiers.some((t) => !TIERS.includes(t as TierId))
  )
    throw new ConfigError('config.tiers', `a non-empty list of ${TIERS.join(', ')}`, tiers)
  const limits = section('config.limits', config['limits'], KEYS.limits) as ToolLimits
  const network = section('config.network', config['network'], KEYS.network)
  const allowedDomains = network['allowedDomains'] as string[] | undefined
  const sandbox: SandboxConfig = {
    trust: config['trust'] as SandboxConfig['trust'],
    networkEnabled: allowedDomains !== undefined && allowedDomains.length > 0,
    ...(network as SandboxConfig),
  }
  // The library checks the limits and the policy, with the messages it gives every caller.
  const resolved = resolveConfig({ ...sandbox, limits })
  const sessions = section('config.sessions', config['sessions'], KEYS.sessions)
  const calls = section('config.calls', config['calls'], KEYS.calls)
  return {
    tiers: [...new Set(tiers as TierId[])],
    trust: resolved.trust,
    limits: {
      memory: resolved.memoryLimitBytes,
      executionTime: resolved.executionTimeMs,
      cpuTime: resolved.cpuTimeMs,
      maxOutputBytes: resolved.maxOutputBytes,
      diskSpace: resolved.diskSpaceBytes,
    },
    sandbox: { ...sandbox, trust: resolved.trust },
    sessions: {
      maxPerClient: count('config.sessions.maxPerClient', sessions['maxPerClient'], 8),
      maxTotal: count('config.sessions.maxTotal', sessions['maxTotal'], 64),
      idleMs: duration('config.sessions.idleMs', sessions['idleMs'], 600_000),
      maxLifetimeMs: duration(
        'config.sessions.maxLifetimeMs',
        sessions['maxLifetimeMs'],
        3_600_000,
      ),
    },
    calls: {
      maxConcurrent: count('config.calls.maxConcurrent', calls['maxConcurrent'], 4),
      maxQueued: count('config.calls.maxQueued', calls['maxQueued'], 32, 0),
    },
  }
}

function section(name: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(name, 'an object', value)
  for (const key of Object.keys(value))
    if (!keys.includes(key))
      throw new ConfigError(`${name}.${key}`, `one of ${keys.join(', ')}`, key)
  return value as Record<string, unknown>
}

function count(option: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 100_000)
    throw new ConfigError(option, `an integer between ${min} and 100000`, value)
  return value
}

function duration(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  const range = FIELD_RANGES['limits.executionTime']
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < range.min ||
    value > range.max
  )
    throw new ConfigError(option, `milliseconds between ${range.min} and ${range.max}`, value)
  return value
}
