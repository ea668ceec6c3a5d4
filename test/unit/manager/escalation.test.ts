import { describe, expect, it } from 'vitest'
import { resolveConfig, type SandboxConfig } from '../../../src/config.js'
import { decideEscalation, inProcessBudget } from '../../../src/manager/escalation.js'
import { emptyUsage, type ExecResult, type TierId } from '../../../src/types.js'

function result(overrides: Partial<ExecResult>): ExecResult {
  return {
    status: 'ok',
    stdout: '',
    stderr: '',
    exitCode: 0,
    tier: 'quickjs',
    durationMs: 1,
    usage: emptyUsage(),
    escalations: [],
    ...overrides,
  }
}
const capability = result({
  status: 'error',
  error: {
    name: 'CapabilityRequired',
    message: 'needs fs',
    code: 'ERR_CAPABILITY_REQUIRED',
    details: { capability: 'fs' },
  },
})
const budget = result({
  status: 'cpu',
  error: { name: 'CpuLimitExceeded', message: 'cpu', code: 'ERR_CPU' },
})
const callerCpu = result({
  status: 'cpu',
  error: { name: 'CpuLimitExceeded', message: 'cpu', code: 'ERR_CPU' },
})
const withHostCall = { ...capability, usage: { ...emptyUsage(), hostCalls: 1 } }
const withRequest = { ...budget, usage: { ...emptyUsage(), requests: 1 } }

describe('decideEscalation', () => {
  // The CPU budget the manager gave the run (inProcessBudget) is an argument, never read back from the result.
  it.each<[string, TierId, SandboxConfig, ExecResult, string, (string | undefined)?]>([
    ['capability, untrusted → gvisor', 'quickjs', {}, capability, 'escalate', 'gvisor'],
    [
      'capability, trusted → docker',
      'quickjs',
      { trust: 'trusted' },
      capability,
      'escalate',
      'docker',
    ],
    ['CPU budget → container', 'quickjs', {}, budget, 'escalate', 'gvisor'],
    ['pywasm capability, untrusted → gvisor', 'pywasm', {}, capability, 'escalate', 'gvisor'],
    ['pywasm CPU budget → container', 'pywasm', {}, budget, 'escalate', 'gvisor'],
    ['explicit pywasm never escalates', 'pywasm', { type: 'pywasm' }, capability, 'none'],
    ["the caller's own CPU limit does not escalate", 'quickjs', {}, callerCpu, 'none'],
    ['explicit tier never escalates', 'quickjs', { type: 'quickjs' }, capability, 'none'],
    ['escalate: false', 'quickjs', { escalate: false }, capability, 'none'],
    ['side effects (host call) refuse the re-run', 'quickjs', {}, withHostCall, 'refused'],
    ['side effects (network) refuse the re-run', 'quickjs', {}, withRequest, 'refused'],
    ['ok results stay', 'quickjs', {}, result({}), 'none'],
    ['container results stay', 'gvisor', {}, capability, 'none'],
    [
      'host functions cannot follow to a container',
      'quickjs',
      { hostFunctions: { f: () => 1 } },
      capability,
      'refused',
    ],
  ])('%s', (_name, tier, config, r, kind, to) => {
    const resolved = resolveConfig(config)
    const cpuBudgetMs = r === callerCpu ? undefined : inProcessBudget(tier, resolved)
    const decision = decideEscalation(tier, resolved, r, cpuBudgetMs)
    expect(decision.kind).toBe(kind)
    if (to) expect(decision).toMatchObject({ to })
  })

  it('the in-process budget applies only in auto mode and when tighter than cpuTime', () => {
    expect(inProcessBudget('quickjs', resolveConfig({}))).toBe(500)
    expect(inProcessBudget('quickjs', resolveConfig({ limits: { cpuTime: 200 } }))).toBeUndefined()
    expect(inProcessBudget('quickjs', resolveConfig({ type: 'quickjs' }))).toBeUndefined()
    expect(inProcessBudget('quickjs', resolveConfig({ inProcessCpuBudgetMs: 50 }))).toBe(50)
  })
})
