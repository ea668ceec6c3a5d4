/**
 * SandboxConfig → ResolvedConfig and ExecRequest → NormalizedRequest: defaults, validation and units, in
 * one place (the parts in config/). Every message names the option, the expectation and the value received.
 */
import {
  imageDefaultMemoryBytes,
  resolveEnv,
  resolveHostFunctions,
  resolveImage,
  resolveVolumes,
} from './config/container.js'
import { resolveSession } from './config/session.js'
import {
  MAX_BYTES,
  MAX_MS,
  MiB,
  optionalBoolean,
  optionalEnum,
  optionalNumber,
  plainObject,
  stringArray,
} from './config/checks.js'
import { resolveNetwork } from './config/network.js'
import { FIELD_RANGES } from './config/field-ranges.js'
import { CONFIG_KEYS } from './config/option-keys.js'
import type { ResolvedConfig, SandboxConfig } from './config/options.js'
import { ConfigError } from './errors.js'
import { LANGUAGES, type SandboxType } from './types.js'

export type {
  HostFunction,
  NetworkOptions,
  ResolvedConfig,
  ResolvedNetworkConfig,
  ResourceLimit,
  SandboxConfig,
  VolumeMount,
} from './config/options.js'
export type { ResolvedSecret, SecretLocation, SecretOptions } from './config/secrets.js'
export { secretPlaceholders } from './config/secrets.js'
export { checkNumber, MiB } from './config/checks.js'
export { CONFIG_KEYS, REQUEST_KEYS, RUN_KEYS } from './config/option-keys.js'
export { resolveRequest, type NormalizedRequest, type OutputStreamName } from './config/request.js'

export const WASM_PAGE_BYTES = 65536
export const DEFAULT_IMAGE = 'sandtier-sandbox:latest'
/** The in-process probe before a hedged escalation (bench/cases/hedge.js measured the curve). */
export const DEFAULT_HEDGE_AFTER_MS = 200

const TYPES: readonly SandboxType[] = ['auto', 'quickjs', 'wasm', 'pywasm', 'docker', 'gvisor']

/**
 * Validates a SandboxConfig and fills in defaults.
 * @throws ConfigError naming the first invalid option.
 */
export function resolveConfig(input: SandboxConfig = {}): ResolvedConfig {
  const config = plainObject('config', input)
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.has(key))
      throw new ConfigError(key, `a known option (${[...CONFIG_KEYS].join(', ')})`, key)
  }
  const limits = plainObject('limits', config['limits'])
  const memoryLimit = optionalNumber('memoryLimit', config['memoryLimit'], FIELD_RANGES.memoryLimit)
  const limitsMemory = optionalNumber(
    'limits.memory',
    limits['memory'],
    FIELD_RANGES['limits.memory'],
  )
  const image = resolveImage(config['image'], DEFAULT_IMAGE)
  const memoryLimitBytes = memoryLimit ?? limitsMemory ?? imageDefaultMemoryBytes(image) ?? 64 * MiB
  const executionTimeMs =
    optionalNumber(
      'limits.executionTime',
      limits['executionTime'],
      FIELD_RANGES['limits.executionTime'],
    ) ?? 30_000
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
  const command = config['command']
  if (
    command !== undefined &&
    (!Array.isArray(command) || command.some((c) => typeof c !== 'string'))
  )
    throw new ConfigError('command', 'an array of strings', command)

  const language = optionalEnum('language', config['language'], LANGUAGES)
  return {
    type,
    language,
    trust: optionalEnum('trust', config['trust'], ['untrusted', 'trusted'] as const) ?? 'untrusted',
    memoryLimitBytes,
    cpuQuota: optionalNumber('cpuQuota', config['cpuQuota'], { min: 0.01, max: 1024 }) ?? 1,
    pidLimit:
      optionalNumber('pidLimit', config['pidLimit'], { min: 1, max: 65536, integer: true }) ?? 128,
    lifetimeMs: optionalNumber('timeout', config['timeout'], { min: 1, max: MAX_MS }),
    executionTimeMs,
    cpuTimeMs:
      optionalNumber('limits.cpuTime', limits['cpuTime'], FIELD_RANGES['limits.cpuTime']) ??
      executionTimeMs,
    diskSpaceBytes:
      optionalNumber('limits.diskSpace', limits['diskSpace'], FIELD_RANGES['limits.diskSpace']) ??
      64 * MiB,
    maxOutputBytes:
      optionalNumber(
        'limits.maxOutputBytes',
        limits['maxOutputBytes'],
        FIELD_RANGES['limits.maxOutputBytes'],
      ) ?? MiB,
    maxOutputFileBytes:
      optionalNumber('limits.maxOutputFileBytes', limits['maxOutputFileBytes'], {
        min: 0,
        max: MAX_BYTES,
        integer: true,
      }) ?? 16 * MiB,
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
    hedgeAfterMs:
      optionalNumber('hedgeAfterMs', config['hedgeAfterMs'], { min: 0, max: MAX_MS }) ??
      DEFAULT_HEDGE_AFTER_MS,
    session: resolveSession(config['session'], type, language),
  }
}
