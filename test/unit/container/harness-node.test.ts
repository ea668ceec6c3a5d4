import { describe, expect, it } from 'vitest'
import { runHarness } from './harness-run.js'

const run = (code: string, extra: Record<string, unknown> = {}, stdin = '') =>
  runHarness('node', { code, isModule: false, ...extra }, stdin)

describe('node harness (value rule of the QuickJS tier)', () => {
  it.each([
    ['1 + 1', 2],
    ['let a = 2; a * 21', 42],
    ['Promise.resolve({ ok: true })', { ok: true }],
    ['input.a + 1', 42],
    ['[1, undefined, () => 1].length', 3],
    ['({ a: undefined, b: NaN, d: new Date(0) })', { b: null, d: '1970-01-01T00:00:00.000Z' }],
  ])('%s → %j', (code, value) => {
    expect(run(code, { input: { a: 41 } }).report).toEqual({ value })
  })

  it('has no value for undefined results and keeps stdout clean', () => {
    const r = run('console.log("hi")')
    expect(r).toMatchObject({ status: 0, stdout: 'hi\n', report: {} })
  })

  it('runs modules: the default export is called with input and awaited', () => {
    const code = 'export default async function (i) { return i.n * 2 }'
    expect(run(code, { isModule: true, input: { n: 4 } }).report).toEqual({ value: 8 })
    expect(run('export const __st_last = (await 3);', { isModule: true }).report).toEqual({
      value: 3,
    })
  })

  it.each([
    '() => 1',
    '10n',
    'Symbol()',
    '(() => { const a = {}; a.self = a; return a })()',
    '({ get x() { return 1 } })',
  ])('refuses the non-JSON-safe value %s', (code) => {
    const r = run(code)
    expect(r.report?.error).toMatchObject({
      name: 'ResultNotSerializable',
      code: 'ERR_RESULT_NOT_SERIALIZABLE',
    })
    expect(r.status).toBe(0)
  })

  it('reports uncaught errors with a stack on stderr and exit code 1', () => {
    const r = run('null.x')
    expect(r.status).toBe(1)
    expect(r.report?.error?.name).toBe('TypeError')
    expect(r.stderr).toMatch(/TypeError/)
  })

  it('gives the guest its stdin and hides the request from the environment', () => {
    const code =
      'require("fs").readFileSync(0, "utf8") + Object.keys(process.env).filter(k => k.startsWith("SANDTIER")).length'
    expect(run(code, {}, 'piped').report).toEqual({ value: 'piped0' })
  })

  it('K4: leaves no trace of the request in its environment or argv', () => {
    const code =
      'const fs = require("fs"); const m = "SECRET" + "-MARK"; ' +
      '[fs.readFileSync("/proc/self/environ", "latin1"), fs.readFileSync("/proc/self/cmdline", "latin1")]' +
      '.some((t) => t.includes(m) || t.includes("nonce"))'
    expect(run(code, { input: 'SECRET-MARK' }).report).toEqual({ value: false })
  })

  it('keeps the exit code of process.exit', () => {
    expect(run('process.exit(7)')).toMatchObject({ status: 7, report: {} })
  })
})
