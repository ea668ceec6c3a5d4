import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../src/config.js'
import { ConfigError, ResourceExceededError, ResourceLimiter } from '../../../src/index.js'
import { ENFORCEMENT } from '../../../src/limits/enforcement.js'
import { applyBackstop } from '../../../src/manager/backstop.js'
import { emptyUsage, type ExecResult } from '../../../src/types.js'

describe('ResourceLimiter (seed API)', () => {
  it('enforce throws ResourceExceededError(resource, used, limit) for the first resource over', () => {
    const limiter = new ResourceLimiter().setLimit('memory', 100).setLimit('cpuTime', 50)
    expect(() => limiter.enforce({ memory: 90, cpuTime: 10 })).not.toThrow()
    try {
      limiter.enforce({ memory: 150 })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ResourceExceededError)
      expect(err).toMatchObject({ resource: 'memory', used: 150, limit: 100 })
    }
  })

  it.each([Number.NaN, -1, Number.POSITIVE_INFINITY])('refuses %s as a limit', (value) => {
    expect(() => new ResourceLimiter().setLimit('memory', value)).toThrow(ConfigError)
  })

  it('refuses an unknown resource', () => {
    expect(() => new ResourceLimiter().setLimit('gpu' as never, 1)).toThrow(ConfigError)
  })
})

describe('backstop and enforcement map', () => {
  const base: ExecResult = {
    status: 'ok',
    stdout: '',
    stderr: '',
    exitCode: 0,
    tier: 'docker',
    durationMs: 10,
    usage: emptyUsage(),
    escalations: [],
  }

  it('turns a container run over its CPU limit into status cpu', () => {
    const config = resolveConfig({ limits: { cpuTime: 100 } })
    const r = applyBackstop({ ...base, usage: { ...emptyUsage(), cpuMs: 250 } }, config)
    expect(r.status).toBe('cpu')
    expect(r.error).toMatchObject({
      name: 'CpuLimitExceeded',
      code: 'ERR_CPU',
      message: 'The run exceeded its CPU time limit of 100 ms',
      details: { resource: 'cpuTime', used: 250, limit: 100 },
    })
  })

  it('leaves in-process results alone', () => {
    const config = resolveConfig({ limits: { cpuTime: 100 } })
    const r = applyBackstop(
      { ...base, tier: 'quickjs', usage: { ...emptyUsage(), cpuMs: 250 } },
      config,
    )
    expect(r.status).toBe('ok')
  })

  it('enforces network on every tier: in-process fetch and the container egress proxy', () => {
    for (const tier of ['quickjs', 'wasm', 'docker', 'gvisor'] as const) {
      expect(ENFORCEMENT[tier].network).toBe('hard')
      expect(ENFORCEMENT[tier].networkBandwidth).toBe('throttle')
    }
  })
})
