import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../src/config.js'
import { ConfigError, type SandboxConfig } from '../../../src/index.js'

describe('resolveConfig: defaults', () => {
  it('fills every default in bytes and milliseconds', () => {
    const c = resolveConfig()
    expect(c).toMatchObject({
      type: 'auto',
      trust: 'untrusted',
      memoryLimitBytes: 64 * 1024 * 1024,
      executionTimeMs: 30_000,
      cpuTimeMs: 30_000,
      maxOutputBytes: 1024 * 1024,
      pidLimit: 128,
      escalate: true,
    })
    expect(c.network).toMatchObject({
      enabled: false,
      allowedPorts: [80, 443],
      blockedPorts: [22, 25, 3389, 5900],
      maxResponseBytes: 10 * 1024 * 1024,
      maxRequestBytes: 10 * 1024 * 1024,
    })
    expect(c.lifetimeMs).toBeUndefined()
  })

  it('memoryLimit and limits.memory are the same limit; memoryLimit wins', () => {
    expect(resolveConfig({ limits: { memory: 32 << 20 } }).memoryLimitBytes).toBe(32 << 20)
    expect(
      resolveConfig({ memoryLimit: 48 << 20, limits: { memory: 32 << 20 } }).memoryLimitBytes,
    ).toBe(48 << 20)
  })
})

describe('resolveConfig: invalid values name the option, the expectation and the value', () => {
  it.each<[string, SandboxConfig, string]>([
    ['negative memory', { memoryLimit: -1 }, 'memoryLimit'],
    ['NaN memory', { memoryLimit: Number.NaN }, 'memoryLimit'],
    [
      'Infinity as "unlimited"',
      { limits: { executionTime: Number.POSITIVE_INFINITY } },
      'limits.executionTime',
    ],
    ['NaN timeout', { timeout: Number.NaN }, 'timeout'],
    ['zero timeout', { timeout: 0 }, 'timeout'],
    ['unknown type', { type: 'firecracker' as never }, 'type'],
    ['unknown language', { language: 'cobol' as never }, 'language'],
    ['unknown trust', { trust: 'maybe' as never }, 'trust'],
    ['fractional pid limit', { pidLimit: 1.5 }, 'pidLimit'],
    ['port out of range', { blockedPorts: [70000] }, 'blockedPorts[0]'],
    ['domains not strings', { allowedDomains: [1 as never] }, 'allowedDomains'],
    [
      'relative volume path',
      { volumes: [{ hostPath: 'data', containerPath: '/data' }] },
      'volumes[0].hostPath',
    ],
    ['bad env name', { env: { 'A-B': 'x' } }, 'env'],
    ['host function not a function', { hostFunctions: { f: 1 as never } }, 'hostFunctions.f'],
    ['unknown option', { memmory: 1 } as never, 'memmory'],
    ['memoryPages above maxMemoryPages', { memoryPages: 10, maxMemoryPages: 5 }, 'memoryPages'],
    ['negative output cap', { limits: { maxOutputBytes: -5 } }, 'limits.maxOutputBytes'],
    ['fractional request cap', { network: { maxRequestBytes: 1.5 } }, 'network.maxRequestBytes'],
  ])('%s', (_name, config, option) => {
    let error: unknown
    try {
      resolveConfig(config)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const e = error as ConfigError
    expect(e.option).toBe(option)
    expect(e.code).toBe('ERR_CONFIG')
    expect(e.message).toContain(`"${option}"`)
    expect(e.message).toMatch(/expected .+, received /)
  })
})
