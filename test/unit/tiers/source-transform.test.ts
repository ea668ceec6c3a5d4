import { describe, expect, it } from 'vitest'
import { prepareSource } from '../../../src/tiers/quickjs/source-transform.js'

describe('prepareSource', () => {
  it.each([
    ['1 + 1', 'script'],
    ['const x = 1; x', 'script'],
    ['const v = await f(); v', 'async-script'],
    ['export default (i) => i', 'module'],
    ['import x from "y"; x', 'module'],
    ['const awaited = 1; awaited', 'script'],
    ['let = ;', 'script'],
    // `await (…)` parses as a script calling a function named await: it is top-level await.
    ['await (async () => 1)()', 'async-script'],
    ['const x = await (async () => 2)(); x', 'async-script'],
    ['async function f() { await (1) }; f()', 'script'],
    ['const o = { await: 1 }; o.await', 'script'],
  ])('%s → %s', (code, mode) => {
    expect(prepareSource(code, 'javascript').mode).toBe(mode)
  })

  it('a module without a default export exposes its last expression', () => {
    const { code } = prepareSource('export const a = 1\na + 1', 'javascript')
    expect(code).toContain('export const __st_last = (a + 1)')
  })

  it('a module with a default export is left alone', () => {
    const source = 'export default 5\n1 + 1'
    expect(prepareSource(source, 'javascript').code).toBe(source)
  })

  it('strips TypeScript types', () => {
    const { code } = prepareSource(
      'const n: number = 1\ninterface X { a: string }\nn as number',
      'typescript',
    )
    expect(code).not.toMatch(/interface|: number|as number/)
  })
})
