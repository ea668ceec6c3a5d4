/**
 * SandboxConfig → ResolvedConfig: defaults, validation and units, in one place.
 * Every message names the option, the expectation and the value received.
 */
import { ConfigError } from './errors.js'
import { LANGUAGES, type Language, type SandboxType } from './types.js'

/** The seed's ResourceLimit, in bytes and milliseconds. */
export interface ResourceLimit {
  /** Memory in bytes. */
  memory?: number
  /** CPU time in ms for one run. @default executionTime */
  cpuTime?: number
  /** Wall-clock time in ms for one run. @default 30_000 */
  executionTime?: number
  /** Writable disk (tmpfs) in bytes on container tiers. @default 64 MiB */
  diskSpace?: number
  /** Network bytes per second, both directions. @default 10 MiB/s */
  networkBandwidth?: number
  /** stdout + stderr bytes kept per run; more ends the run with status 'output'. @default 1 MiB */
  maxOutputBytes?: number
}

export interface NetworkOptions {
  /** @default [80, 443] */
  allowedPorts?: number[]
  /** CIDRs exempt from the private-address ban, for names that are allowed anyway (tests: 127.0.0.0/8). */
  allowPrivateCidrs?: string[]
  /** Host-side resolver override: hostname → addresses. Tests map `*.test` names to local servers. */
  resolve?: (hostname: string) => Promise<string[]> | string[]
  /** @default 10 MiB */
  maxResponseBytes?: number
  /**
   * Bytes one request may send (its body; for a container's HTTPS tunnel, everything sent through it), so an
   * allowed host cannot be used to carry off more than this per request. @default 10 MiB
   */
  maxRequestBytes?: number
  /** Requests per run. @default 50 */
  maxRequests?: number
  /** Per-request timeout in ms, always inside the run's deadline. @default 10_000 */
  requestTimeoutMs?: number
}

export type HostFunction = (...args: unknown[]) => unknown

export interface VolumeMount {
  hostPath: string
  containerPath: string
  readOnly?: boolean
}

/** Everything a sandbox can be configured with. Every field is optional. */
export interface SandboxConfig {
  /** @default 'auto' */
  type?: SandboxType
  /** @default 'javascript' */
  language?: Language
  /** Containers for 'untrusted' code run on gVisor, 'trusted' on runc. @default 'untrusted' */
  trust?: 'untrusted' | 'trusted'
  /** Memory limit in bytes (same as limits.memory). @default 64 MiB */
  memoryLimit?: number
  /** CPUs a container may use, e.g. 0.5. @default 1 */
  cpuQuota?: number
  /** Processes a container may have. @default 128 */
  pidLimit?: number
  /** Sandbox lifetime in ms; once over, the sandbox is destroyed. @default none */
  timeout?: number
  limits?: ResourceLimit
  /** @default false: no network at all */
  networkEnabled?: boolean
  /** Hosts the guest may reach: `api.example.com`, `*.example.com`, optional `:port`. */
  allowedDomains?: string[]
  /** @default [22, 25, 3389, 5900] */
  blockedPorts?: number[]
  network?: NetworkOptions
  /** Container image. @default 'sandtier-sandbox:latest' */
  image?: string
  /** Container command kept running as the sandbox's init. */
  command?: string[]
  /** @default false */
  writableRootfs?: boolean
  /** Capabilities added back after dropping ALL. */
  capabilities?: string[]
  volumes?: VolumeMount[]
  env?: Record<string, string>
  /**
   * Largest `code` a container run accepts; a larger one rejects with ConfigError. JavaScript/TypeScript is
   * prepared on the host (in a worker, under the run's deadline): token-dense TypeScript needs up to ~100×
   * its size in that worker's heap and ~2 s per MiB of a core. Agent-written programs are kilobytes.
   * @default 1 MiB
   */
  maxSourceBytes?: number
  /** wasm tier: the user module (language 'wasm'). */
  wasmBinary?: Uint8Array
  /** wasm tier: initial pages of the imported memory. @default 1 */
  memoryPages?: number
  /** wasm tier: maximum pages of the imported memory. @default memoryLimit / 64 KiB */
  maxMemoryPages?: number
  /** Functions the guest may call; arguments and results are JSON-safe copies. */
  hostFunctions?: Record<string, HostFunction>
  /** Move a job to a heavier tier when the chosen one cannot run it. @default true */
  escalate?: boolean
  /** CPU time an in-process run may use before auto mode moves it to a container. @default 500 */
  inProcessCpuBudgetMs?: number
}

export interface ResolvedNetworkConfig {
  enabled: boolean
  allowedDomains: string[]
  blockedPorts: number[]
  allowedPorts: number[]
  allowPrivateCidrs: string[]
  resolve: ((hostname: string) => Promise<string[]> | string[]) | undefined
  maxResponseBytes: number
  maxRequestBytes: number
  maxRequests: number
  requestTimeoutMs: number
  bandwidthBytesPerSec: number
}

export interface ResolvedConfig {
  type: SandboxType
  language: Language | undefined
  trust: 'untrusted' | 'trusted'
  memoryLimitBytes: number
  cpuQuota: number
  pidLimit: number
  lifetimeMs: number | undefined
  executionTimeMs: number
  cpuTimeMs: number
  diskSpaceBytes: number
  maxOutputBytes: number
  network: ResolvedNetworkConfig
  container: {
    image: string
    command: string[] | undefined
    writableRootfs: boolean
    capabilities: string[]
    volumes: VolumeMount[]
    env: Record<string, string>
    maxSourceBytes: number
  }
  wasm: { wasmBinary: Uint8Array | undefined; memoryPages: number; maxMemoryPages: number }
  hostFunctions: Record<string, HostFunction>
  escalate: boolean
  inProcessCpuBudgetMs: number
}

export const MiB = 1024 * 1024
export const WASM_PAGE_BYTES = 65536
export const DEFAULT_IMAGE = 'sandtier-sandbox:latest'

const TYPES: readonly SandboxType[] = ['auto', 'quickjs', 'wasm', 'docker', 'gvisor']
/** Upper bound for any byte quantity: 64 GiB, far past the machine, short of "unlimited" sentinels. */
const MAX_BYTES = 64 * 1024 * MiB
/** Upper bound for any duration: 7 days. */
const MAX_MS = 7 * 24 * 3600 * 1000

const KNOWN_KEYS = new Set<string>([
  'type',
  'language',
  'trust',
  'memoryLimit',
  'cpuQuota',
  'pidLimit',
  'timeout',
  'limits',
  'networkEnabled',
  'allowedDomains',
  'blockedPorts',
  'network',
  'image',
  'command',
  'writableRootfs',
  'capabilities',
  'volumes',
  'env',
  'maxSourceBytes',
  'wasmBinary',
  'memoryPages',
  'maxMemoryPages',
  'hostFunctions',
  'escalate',
  'inProcessCpuBudgetMs',
])

/** Per-run keys that run(request, options) accepts beside a SandboxConfig. */
export const RUN_KEYS = new Set<string>([
  'input',
  'stdin',
  'timeoutMs',
  'signal',
  'fn',
  'args',
  'code',
])

function optionalEnum<T extends string>(
  option: string,
  value: unknown,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !allowed.includes(value as T))
    throw new ConfigError(option, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value)
  return value as T
}

/** A finite number in [min, max]; integers only when `integer`. */
export function checkNumber(
  option: string,
  value: unknown,
  { min, max, integer = false }: { min: number; max: number; integer?: boolean },
): number {
  const kind = integer ? 'an integer' : 'a finite number'
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)))
    throw new ConfigError(option, `${kind} between ${min} and ${max}`, value)
  if (value < min || value > max)
    throw new ConfigError(option, `${kind} between ${min} and ${max}`, value)
  return value
}

function optionalNumber(
  option: string,
  value: unknown,
  range: { min: number; max: number; integer?: boolean },
): number | undefined {
  return value === undefined ? undefined : checkNumber(option, value, range)
}

function optionalBoolean(option: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') throw new ConfigError(option, 'a boolean', value)
  return value
}

function stringArray(option: string, value: unknown): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new ConfigError(option, 'an array of strings', value)
  return [...(value as string[])]
}

function portArray(option: string, value: unknown, fallback: number[]): number[] {
  if (value === undefined) return [...fallback]
  if (!Array.isArray(value)) throw new ConfigError(option, 'an array of port numbers', value)
  return value.map((p, i) =>
    checkNumber(`${option}[${i}]`, p, { min: 1, max: 65535, integer: true }),
  )
}

function plainObject(option: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return Object.create(null) as Record<string, unknown>
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(option, 'an object', value)
  return Object.assign(Object.create(null) as Record<string, unknown>, value)
}

function resolveNetwork(config: Record<string, unknown>): ResolvedNetworkConfig {
  const network = plainObject('network', config['network'])
  const resolve = network['resolve']
  if (resolve !== undefined && typeof resolve !== 'function')
    throw new ConfigError('network.resolve', 'a function (hostname) => addresses', resolve)
  const limits = plainObject('limits', config['limits'])
  return {
    enabled: optionalBoolean('networkEnabled', config['networkEnabled']) ?? false,
    allowedDomains: stringArray('allowedDomains', config['allowedDomains']),
    blockedPorts: portArray('blockedPorts', config['blockedPorts'], [22, 25, 3389, 5900]),
    allowedPorts: portArray('network.allowedPorts', network['allowedPorts'], [80, 443]),
    allowPrivateCidrs: stringArray('network.allowPrivateCidrs', network['allowPrivateCidrs']),
    resolve: resolve as ResolvedNetworkConfig['resolve'],
    maxResponseBytes:
      optionalNumber('network.maxResponseBytes', network['maxResponseBytes'], {
        min: 1,
        max: MAX_BYTES,
        integer: true,
      }) ?? 10 * MiB,
    maxRequestBytes:
      optionalNumber('network.maxRequestBytes', network['maxRequestBytes'], {
        min: 0,
        max: MAX_BYTES,
        integer: true,
      }) ?? 10 * MiB,
    maxRequests:
      optionalNumber('network.maxRequests', network['maxRequests'], {
        min: 0,
        max: 100_000,
        integer: true,
      }) ?? 50,
    requestTimeoutMs:
      optionalNumber('network.requestTimeoutMs', network['requestTimeoutMs'], {
        min: 1,
        max: MAX_MS,
      }) ?? 10_000,
    bandwidthBytesPerSec:
      optionalNumber('limits.networkBandwidth', limits['networkBandwidth'], {
        min: 1,
        max: MAX_BYTES,
      }) ?? 10 * MiB,
  }
}

function resolveVolumes(value: unknown): VolumeMount[] {
  if (value === undefined) return []
  if (!Array.isArray(value))
    throw new ConfigError('volumes', 'an array of { hostPath, containerPath }', value)
  return value.map((v: unknown, i) => {
    const o = plainObject(`volumes[${i}]`, v)
    if (typeof o['hostPath'] !== 'string' || !o['hostPath'].startsWith('/'))
      throw new ConfigError(`volumes[${i}].hostPath`, 'an absolute path', o['hostPath'])
    if (typeof o['containerPath'] !== 'string' || !o['containerPath'].startsWith('/'))
      throw new ConfigError(`volumes[${i}].containerPath`, 'an absolute path', o['containerPath'])
    return {
      hostPath: o['hostPath'],
      containerPath: o['containerPath'],
      readOnly: optionalBoolean(`volumes[${i}].readOnly`, o['readOnly']) ?? true,
    }
  })
}

function resolveEnv(value: unknown): Record<string, string> {
  const env = plainObject('env', value)
  for (const [k, v] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      throw new ConfigError('env', 'variable names [A-Za-z_][A-Za-z0-9_]*', k)
    if (typeof v !== 'string') throw new ConfigError(`env.${k}`, 'a string', v)
  }
  return env as Record<string, string>
}

function resolveHostFunctions(value: unknown): Record<string, HostFunction> {
  const fns = plainObject('hostFunctions', value)
  for (const [name, fn] of Object.entries(fns)) {
    if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name))
      throw new ConfigError('hostFunctions', 'identifier names', name)
    if (typeof fn !== 'function') throw new ConfigError(`hostFunctions.${name}`, 'a function', fn)
  }
  return fns as Record<string, HostFunction>
}

/**
 * Validates a SandboxConfig and fills in defaults.
 * @throws ConfigError naming the first invalid option.
 */
export function resolveConfig(input: SandboxConfig = {}): ResolvedConfig {
  const config = plainObject('config', input)
  for (const key of Object.keys(config)) {
    if (!KNOWN_KEYS.has(key))
      throw new ConfigError(key, `a known option (${[...KNOWN_KEYS].join(', ')})`, key)
  }
  const limits = plainObject('limits', config['limits'])
  const memoryLimit = optionalNumber('memoryLimit', config['memoryLimit'], {
    min: MiB,
    max: MAX_BYTES,
    integer: true,
  })
  const limitsMemory = optionalNumber('limits.memory', limits['memory'], {
    min: MiB,
    max: MAX_BYTES,
    integer: true,
  })
  const memoryLimitBytes = memoryLimit ?? limitsMemory ?? 64 * MiB
  const executionTimeMs =
    optionalNumber('limits.executionTime', limits['executionTime'], { min: 1, max: MAX_MS }) ??
    30_000
  const type = optionalEnum('type', config['type'], TYPES) ?? 'auto'
  const wasmBinary = config['wasmBinary']
  if (wasmBinary !== undefined && !(wasmBinary instanceof Uint8Array))
    throw new ConfigError('wasmBinary', 'a Uint8Array', wasmBinary)
  const maxPagesForMemory = Math.max(1, Math.floor(memoryLimitBytes / WASM_PAGE_BYTES))
  const maxMemoryPages =
    optionalNumber('maxMemoryPages', config['maxMemoryPages'], {
      min: 1,
      max: 65536,
      integer: true,
    }) ?? Math.min(maxPagesForMemory, 65536)
  const memoryPages =
    optionalNumber('memoryPages', config['memoryPages'], { min: 0, max: 65536, integer: true }) ?? 1
  if (memoryPages > maxMemoryPages)
    throw new ConfigError('memoryPages', `at most maxMemoryPages (${maxMemoryPages})`, memoryPages)
  const image = config['image'] ?? DEFAULT_IMAGE
  if (typeof image !== 'string' || image.length === 0)
    throw new ConfigError('image', 'an image name', image)
  const command = config['command']
  if (
    command !== undefined &&
    (!Array.isArray(command) || command.some((c) => typeof c !== 'string'))
  )
    throw new ConfigError('command', 'an array of strings', command)

  return {
    type,
    language: optionalEnum('language', config['language'], LANGUAGES),
    trust: optionalEnum('trust', config['trust'], ['untrusted', 'trusted'] as const) ?? 'untrusted',
    memoryLimitBytes,
    cpuQuota: optionalNumber('cpuQuota', config['cpuQuota'], { min: 0.01, max: 1024 }) ?? 1,
    pidLimit:
      optionalNumber('pidLimit', config['pidLimit'], { min: 1, max: 65536, integer: true }) ?? 128,
    lifetimeMs: optionalNumber('timeout', config['timeout'], { min: 1, max: MAX_MS }),
    executionTimeMs,
    cpuTimeMs:
      optionalNumber('limits.cpuTime', limits['cpuTime'], { min: 1, max: MAX_MS }) ??
      executionTimeMs,
    diskSpaceBytes:
      optionalNumber('limits.diskSpace', limits['diskSpace'], {
        min: MiB,
        max: MAX_BYTES,
        integer: true,
      }) ?? 64 * MiB,
    maxOutputBytes:
      optionalNumber('limits.maxOutputBytes', limits['maxOutputBytes'], {
        min: 0,
        max: MAX_BYTES,
        integer: true,
      }) ?? MiB,
    network: resolveNetwork(config),
    container: {
      image,
      command: command as string[] | undefined,
      writableRootfs: optionalBoolean('writableRootfs', config['writableRootfs']) ?? false,
      capabilities: stringArray('capabilities', config['capabilities']),
      volumes: resolveVolumes(config['volumes']),
      env: resolveEnv(config['env']),
      maxSourceBytes:
        optionalNumber('maxSourceBytes', config['maxSourceBytes'], {
          min: 1,
          max: 64 * MiB,
          integer: true,
        }) ?? MiB,
    },
    wasm: { wasmBinary, memoryPages, maxMemoryPages },
    hostFunctions: resolveHostFunctions(config['hostFunctions']),
    escalate: optionalBoolean('escalate', config['escalate']) ?? true,
    inProcessCpuBudgetMs:
      optionalNumber('inProcessCpuBudgetMs', config['inProcessCpuBudgetMs'], {
        min: 1,
        max: MAX_MS,
      }) ?? 500,
  }
}

/**
 * A run's wall-clock limit: the request's `timeoutMs`, at most the sandbox's limit.
 * @throws ConfigError for a value that is not a number of ms from 1 to 7 days.
 */
export function checkRunTimeout(value: unknown, sandboxLimitMs: number): number {
  if (value === undefined) return sandboxLimitMs
  return Math.min(checkNumber('timeoutMs', value, { min: 1, max: MAX_MS }), sandboxLimitMs)
}
