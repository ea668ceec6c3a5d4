import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../src/config.js'
import { normalizeRequest } from '../../../src/manager/normalize-request.js'

const config = resolveConfig({ limits: { executionTime: 1000 } })

describe('normalizeRequest', () => {
  it('a string is code in the default language with the sandbox limit', () => {
    expect(normalizeRequest('1 + 1', config)).toMatchObject({
      code: '1 + 1',
      language: 'javascript',
      timeoutMs: 1000,
    })
  })

  it('timeoutMs narrows but never widens the sandbox limit', () => {
    expect(normalizeRequest({ code: 'x', timeoutMs: 200 }, config).timeoutMs).toBe(200)
    expect(normalizeRequest({ code: 'x', timeoutMs: 5000 }, config).timeoutMs).toBe(1000)
  })

  it('input is copied as JSON', () => {
    const input = { a: [1, 2] }
    const r = normalizeRequest({ code: 'x', input }, config)
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
  ])('refuses case %# naming %s', (request, option) => {
    expect(() => normalizeRequest(request as never, config)).toThrowError(
      expect.objectContaining({ option }),
    )
  })
})
