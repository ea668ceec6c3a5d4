import { describe, expect, it } from 'vitest'
import {
  lostContainer,
  toExecResult,
  type ClassifyContext,
} from '../../../src/tiers/container/classify-run.js'
import type { RunFacts } from '../../../src/tiers/container/container-run.js'
import { ContainerEngineError } from '../../../src/tiers/container/engine-call.js'

const ctx: ClassifyContext = {
  tier: 'docker',
  startedAt: Date.now(),
  timeoutMs: 1000,
  cpuTimeMs: 500,
  maxOutputBytes: 100,
  pidLimit: 64,
  memoryLimitBytes: 64 << 20,
}

function facts(over: Partial<RunFacts> = {}, report?: unknown): RunFacts {
  return {
    output: {
      stdout: 'out',
      stderr: '',
      truncated: false,
      outputBytes: 3,
      report: report === undefined ? undefined : JSON.stringify(report),
      reportTooLarge: false,
      endVerified: false,
    },
    exitCode: 0,
    stop: undefined,
    termination: undefined,
    sweep: undefined,
    engineError: undefined,
    container: undefined,
    wallMs: 10,
    cpuMs: 5,
    memoryPeakBytes: 1000,
    oomKills: 0,
    pidsLimitHits: 0,
    ...over,
  }
}

const dead = { running: false, exitCode: 137, oomKilled: false, missing: false }

describe('toExecResult', () => {
  it('reports ok with the value and the usage receipt', () => {
    const r = toExecResult(facts({}, { value: { a: 1 } }), ctx)
    expect(r).toMatchObject({
      status: 'ok',
      value: { a: 1 },
      stdout: 'out',
      exitCode: 0,
      tier: 'docker',
    })
    expect(r.usage).toMatchObject({ wallMs: 10, cpuMs: 5, memoryPeakBytes: 1000 })
    expect(r.error).toBeUndefined()
  })

  it.each([
    ['timeout', 'ERR_TIMEOUT'],
    ['cpu', 'ERR_CPU'],
    ['output', 'ERR_OUTPUT'],
    ['cancelled', 'ERR_CANCELLED'],
  ] as const)('a stop for %s wins over everything else', (stop, code) => {
    const r = toExecResult(
      facts({ stop, oomKills: 1, exitCode: 137, container: dead }, { value: 1 }),
      ctx,
    )
    expect(r).toMatchObject({ status: stop, error: { code } })
    expect(r.value).toBeUndefined()
  })

  it('mentions refused forks when a run timed out', () => {
    const r = toExecResult(facts({ stop: 'timeout', pidsLimitHits: 3 }), ctx)
    expect(r.error?.message).toMatch(/pids limit of 64/)
  })

  it('reports the engine going away as crashed with ERR_ENGINE', () => {
    const engineError = new ContainerEngineError('Docker engine unreachable', true, undefined)
    expect(toExecResult(facts({ engineError, exitCode: null }), ctx)).toMatchObject({
      status: 'crashed',
      error: { name: 'GuestCrashed', code: 'ERR_ENGINE' },
    })
  })

  it.each([
    ['runc: the OOM killer took a child and the exec exited 0', { oomKills: 1 }],
    [
      'runsc: the whole sandbox was OOM-killed',
      { exitCode: null, container: { ...dead, oomKilled: true } },
    ],
    [
      'node: the V8 heap limit aborted',
      { exitCode: 134, output: { ...facts().output, stderr: 'FATAL ERROR: Reached heap limit' } },
    ],
  ])('classifies memory: %s', (_name, over) => {
    const r = toExecResult(facts(over), ctx)
    expect(r).toMatchObject({ status: 'memory', error: { code: 'ERR_MEMORY' } })
    expect(r.usage.memoryPeakBytes).toBe(64 << 20)
  })

  it('classifies a Python MemoryError as memory', () => {
    const report = { error: { name: 'MemoryError', message: '' } }
    expect(toExecResult(facts({ exitCode: 1 }, report), ctx).status).toBe('memory')
  })

  it('reports a dead sandbox as crashed, attributed to the pids limit when forks were refused', () => {
    const r = toExecResult(
      facts({ exitCode: null, container: { ...dead, exitCode: 2 }, pidsLimitHits: 5 }),
      ctx,
    )
    expect(r).toMatchObject({ status: 'crashed', error: { name: 'GuestCrashed', code: 'ERR_CRASHED' } })
    expect(r.error?.message).toMatch(/exit code 2.*pids limit/)
  })

  it('reports refused forks in a finished run as a resource error', () => {
    expect(toExecResult(facts({ pidsLimitHits: 1 }), ctx)).toMatchObject({
      status: 'error',
      error: { name: 'ResourceExceededError', code: 'ERR_RESOURCE_EXCEEDED' },
    })
  })

  it('reports guest errors from the harness, with their code', () => {
    const thrown = {
      error: { name: 'TypeError', message: 'x is not a function', stack: 'at main.js:1' },
    }
    expect(toExecResult(facts({ exitCode: 1 }, thrown), ctx)).toMatchObject({
      status: 'error',
      error: { name: 'TypeError', code: 'ERR_GUEST' },
    })
    const unsafe = {
      error: {
        name: 'ResultNotSerializable',
        message: 'a function',
        code: 'ERR_RESULT_NOT_SERIALIZABLE',
      },
    }
    expect(toExecResult(facts({}, unsafe), ctx).error?.code).toBe('ERR_RESULT_NOT_SERIALIZABLE')
  })

  it('reports a non-zero exit without a report as an error', () => {
    expect(toExecResult(facts({ exitCode: 3 }), ctx)).toMatchObject({
      status: 'error',
      exitCode: 3,
      error: { name: 'ExitError', message: 'The process exited with code 3' },
    })
  })

  it('refuses values larger than maxOutputBytes, like the QuickJS tier', () => {
    expect(toExecResult(facts({}, { value: 'x'.repeat(200) }), ctx).status).toBe('output')
  })

  it('marks truncated output', () => {
    const output = { ...facts().output, truncated: true }
    expect(toExecResult(facts({ output, stop: 'output' }), ctx).truncated).toBe(true)
  })

  it('K2: keeps the container after a stop whose kill left only its own processes', () => {
    for (const termination of ['clean', 'cleaned'] as const)
      expect(lostContainer(facts({ stop: 'timeout', termination }))).toBe(false)
    expect(lostContainer(facts({ stop: 'timeout', termination: 'container-killed' }))).toBe(true)
  })

  it('K1: loses the container when a normal end left a survivor the killer could not end', () => {
    expect(lostContainer(facts({ sweep: 'cleaned' }))).toBe(false)
    expect(lostContainer(facts({ sweep: 'container-killed' }))).toBe(true)
    expect(lostContainer(facts({ sweep: 'failed' }))).toBe(true)
  })
})
