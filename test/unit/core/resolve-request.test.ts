import { describe, expect, it } from 'vitest'
import {
  CONFIG_KEYS,
  REQUEST_KEYS,
  resolveConfig,
  resolveRequest,
  RUN_KEYS,
} from '../../../src/config.js'

const config = resolveConfig({ limits: { executionTime: 1000 } })

describe('resolveRequest', () => {
  it('a string is code in the default language with the sandbox limit', () => {
    expect(resolveRequest('1 + 1', config)).toMatchObject({
      code: '1 + 1',
      language: 'javascript',
      timeoutMs: 1000,
    })
  })

  it('timeoutMs narrows but never widens the sandbox limit', () => {
    expect(resolveRequest({ code: 'x', timeoutMs: 200 }, config).timeoutMs).toBe(200)
    expect(resolveRequest({ code: 'x', timeoutMs: 5000 }, config).timeoutMs).toBe(1000)
  })

  it('input is copied as JSON', () => {
    const input = { a: [1, 2] }
    const r = resolveRequest({ code: 'x', input }, config)
    expect(r.input).toEqual(input)
    expect(r.input).not.toBe(input)
  })

  it.each([
    [{ code: 'x', input: { fn: () => 1 } }, 'input'],
    [{ code: 'x', input: () => 1 }, 'input'],
    [{ code: 'x', timeoutMs: -1 }, 'timeoutMs'],
    [{ code: 42 }, 'code'],
    [{}, 'code'],
    [{ code: 'x', language: 'cobol' }, 'language'],
    [{ code: 'x', signal: {} }, 'signal'],
    [{ code: 'x', stdin: 5 }, 'stdin'],
    [{ code: 'x', timeout: 100 }, 'timeout'],
    [{ code: 'x', wasmBinary: [0, 97, 115, 109] }, 'wasmBinary'],
  ])('refuses case %# naming %s', (request, option) => {
    expect(() => resolveRequest(request as never, config)).toThrowError(
      expect.objectContaining({ option }),
    )
  })
})

describe('the option tables', () => {
  it('run() keys are the request fields a config does not also take', () => {
    expect([...RUN_KEYS].sort()).toEqual([
      'args',
      'code',
      'files',
      'fn',
      'input',
      'onOutput',
      'signal',
      'stdin',
      'timeoutMs',
    ])
    for (const key of RUN_KEYS) expect(CONFIG_KEYS.has(key)).toBe(false)
    expect([...REQUEST_KEYS].filter((k) => !RUN_KEYS.has(k)).sort()).toEqual([
      'language',
      'wasmBinary',
    ])
  })
})
