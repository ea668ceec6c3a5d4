import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../src/config.js'
import { applyBackstop } from '../../../src/manager/backstop.js'
import { emptyUsage, type ExecResult, type TierId, type Usage } from '../../../src/types.js'

const config = resolveConfig({
  memoryLimit: 64 * 1024 * 1024,
  limits: { cpuTime: 1000, maxOutputBytes: 100 },
})

function ok(tier: TierId, usage: Partial<Usage>, stdout = ''): ExecResult {
  return {
    status: 'ok',
    stdout,
    stderr: '',
    exitCode: 0,
    tier,
    durationMs: 10,
    usage: { ...emptyUsage(), wallMs: 10, ...usage },
    escalations: [],
  }
}

describe('applyBackstop: container usage known only after the run, checked against the limits', () => {
  it('memory over the limit turns an ok container run into status memory, with what was used', () => {
    const used = 80 * 1024 * 1024
    const result = applyBackstop(ok('gvisor', { memoryPeakBytes: used }), config)
    expect(result.status).toBe('memory')
    expect(result.error).toMatchObject({
      code: 'ERR_MEMORY',
      details: { resource: 'memory', used, limit: 64 * 1024 * 1024 },
    })
  })

  it('CPU over the limit gives the same error a tier that stopped the run would give', () => {
    const result = applyBackstop(ok('docker', { cpuMs: 1500 }), config)
    expect(result).toMatchObject({
      status: 'cpu',
      error: { code: 'ERR_CPU', details: { resource: 'cpuTime', used: 1500, limit: 1000 } },
    })
  })

  it('output over the cap is status output', () => {
    const result = applyBackstop(ok('docker', {}, 'x'.repeat(101)), config)
    expect(result).toMatchObject({ status: 'output', error: { code: 'ERR_OUTPUT' } })
  })

  it('only memory, CPU and output are checked: bandwidth is enforced while the run goes on', () => {
    const bandwidth = resolveConfig({ limits: { networkBandwidth: 1000 } })
    const fast = ok('docker', { wallMs: 1000, netBytesIn: 5000 })
    expect(applyBackstop(fast, bandwidth)).toBe(fast)
  })

  it('in-process tiers and runs already ended by a limit are left as they are', () => {
    const heavy = ok('quickjs', { memoryPeakBytes: 80 * 1024 * 1024 })
    expect(applyBackstop(heavy, config)).toBe(heavy)
    const stopped: ExecResult = { ...ok('docker', { cpuMs: 5000 }), status: 'timeout' }
    expect(applyBackstop(stopped, config)).toBe(stopped)
  })
})
