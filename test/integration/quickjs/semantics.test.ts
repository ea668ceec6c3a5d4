import { describe, expect, it } from 'vitest'
import { useFileManager } from '../../fixtures/sandtier.js'

const { manager, runOnce } = useFileManager()

describe('quickjs tier: value semantics', () => {
  it.each([
    ['last expression', '1 + 1', 2],
    ['input global', 'input.a + 1', 42],
    [
      'object value',
      '({ a: [1, "x", null], b: { c: true } })',
      { a: [1, 'x', null], b: { c: true } },
    ],
    ['default export called with input', 'export default (i) => i.a * 2', 82],
    ['async default export awaited', 'export default async (i) => { await null; return i.a }', 41],
    ['non-function default export', 'export default { v: 1 }', { v: 1 }],
    ['top-level await', 'const v = await Promise.resolve(5); v * 2', 10],
    ['module last expression', 'export const k = 3; k + 4', 7],
    ['promise value awaited', 'Promise.resolve(9)', 9],
    ['NaN becomes null like JSON', 'NaN', null],
    ['Date becomes ISO string', 'new Date(0)', '1970-01-01T00:00:00.000Z'],
  ])('%s', async (_name, code, expected) => {
    const r = await runOnce({ code, input: { a: 41 } })
    expect(r.status).toBe('ok')
    expect(r.tier).toBe('quickjs')
    expect(r.value).toEqual(expected)
  })

  it('undefined value is absent', async () => {
    const r = await runOnce('let x = 1')
    expect(r.status).toBe('ok')
    expect('value' in r).toBe(false)
  })

  it('console.log/info/debug go to stdout, warn/error to stderr', async () => {
    const r = await runOnce(
      'console.log("a", 1, { b: [2] }); console.info("i"); console.debug("d"); console.warn("w"); console.error("e")',
    )
    expect(r.stdout).toBe('a 1 { b: [ 2 ] }\ni\nd\n')
    expect(r.stderr).toBe('w\ne\n')
  })

  it('TypeScript has its types stripped', async () => {
    const r = await runOnce({
      language: 'typescript',
      code: 'interface P { x: number }\nconst p: P = { x: 2 }\nfunction sq(n: number): number { return n * n }\nsq(p.x) as number',
    })
    expect(r.status).toBe('ok')
    expect(r.value).toBe(4)
  })

  it('TypeScript default export with types', async () => {
    const r = await runOnce({
      language: 'typescript',
      code: 'export default (i: { n: number }): number => i.n + 1',
      input: { n: 1 },
    })
    expect(r.value).toBe(2)
  })

  it('keeps state across execute() calls (REPL)', async () => {
    const id = await manager.createSandbox({ type: 'quickjs' })
    expect((await manager.execute(id, 'globalThis.x = 20')).status).toBe('ok')
    expect((await manager.execute(id, 'x + 1')).value).toBe(21)
    expect((await manager.execute(id, 'let y = 5')).status).toBe('ok')
    expect((await manager.execute(id, 'y * 2')).value).toBe(10)
    await manager.destroy(id)
  })

  it('timers work within a run', async () => {
    const r = await runOnce(
      'setTimeout(() => console.log("late"), 20); await new Promise((r) => setTimeout(r, 60)); "done"',
    )
    expect(r.status).toBe('ok')
    expect(r.stdout).toBe('late\n')
    expect(r.value).toBe('done')
  })

  it('a guest error becomes status error with name, message and guest stack', async () => {
    const r = await runOnce('function f() { throw new TypeError("bad thing") }\nf()')
    expect(r.status).toBe('error')
    expect(r.error).toMatchObject({ name: 'TypeError', message: 'bad thing', code: 'ERR_GUEST' })
    expect(r.error?.stack).toContain('sandbox.js')
    expect(r.exitCode).toBe(1)
  })

  it('a thrown non-error value is reported', async () => {
    const r = await runOnce('throw "plain"')
    expect(r.status).toBe('error')
    expect(r.error?.message).toContain('plain')
  })

  it('a syntax error is an error result', async () => {
    const r = await runOnce('let = ;')
    expect(r.status).toBe('error')
    expect(r.error?.name).toBe('SyntaxError')
  })

  it('a promise that can never settle ends with an error, not a hang', async () => {
    const r = await runOnce('await new Promise(() => {})')
    expect(r.status).toBe('error')
    expect(r.error?.message).toMatch(/never settle/)
  })

  it('usage receipt is filled', async () => {
    const r = await runOnce('let s = 0; for (let i = 0; i < 1e5; i++) s += i; s')
    expect(r.usage.wallMs).toBeGreaterThan(0)
    expect(r.usage.cpuMs).toBeGreaterThan(0)
    expect(r.usage.memoryPeakBytes).toBeGreaterThanOrEqual(16 * 1024 * 1024)
    expect(r.durationMs).toBeGreaterThan(0)
  })

  it('imports are refused with a clear error', async () => {
    const r = await runOnce('import x from "lodash"; x')
    expect(r.status).toBe('error')
    expect(r.error?.message).toMatch(/lodash/)
  })
})

describe('quickjs tier: results are copied inside the guest', () => {
  it.each([
    ['getter', '({ get x() { return 1 } })', /accessor/],
    ['infinite getter', '({ get x() { for (;;) {} } })', /accessor/],
    ['function', '(() => 1)', /function/],
    ['bigint', '10n', /bigint/],
    ['symbol', 'Symbol("s")', /symbol/],
    ['cycle', 'const o = {}; o.self = o; o', /circular/],
  ])('%s is refused as not JSON-safe', async (_n, code, message) => {
    const r = await runOnce(code)
    expect(r.status).toBe('error')
    expect(r.error?.code).toBe('ERR_RESULT_NOT_SERIALIZABLE')
    expect(r.error?.message).toMatch(message)
  })

  it('toJSON on the value does not control what the host sees', async () => {
    const r = await runOnce('({ a: 1, toJSON() { return "pwn" } })')
    // the method makes the value not JSON-safe; it is never called on the host
    expect(r.status).toBe('error')
    expect(r.value).toBeUndefined()
  })

  it('a Proxy with a looping ownKeys trap stops at the deadline, inside the guest', async () => {
    const started = performance.now()
    const r = await runOnce('new Proxy({}, { ownKeys() { for (;;) {} } })', {
      limits: { executionTime: 300 },
    })
    expect(r.status).toBe('timeout')
    expect(performance.now() - started).toBeLessThan(300 + 1000)
  })

  it('a thrown object with a looping message getter stops at the deadline', async () => {
    const r = await runOnce('throw { get message() { for (;;) {} } }', {
      limits: { executionTime: 300 },
    })
    expect(r.status).toBe('timeout')
  })
})

describe('quickjs tier: capabilities it lacks', () => {
  it.each([
    ["import fs from 'node:fs'; fs.readFileSync('/etc/hostname', 'utf8')", 'fs'],
    ["const { execSync } = require('child_process'); execSync('id')", 'child_process'],
    ['process.env.HOME', 'process'],
    // fs itself is served on the sandbox's folder (prelude-fs.ts); a path outside /work is not.
    ["try { require('fs').readFileSync('/etc/passwd') } catch { 'caught' }", 'fs'],
    ["const name = 'node:' + 'os'; await import(name)", 'os'],
  ])('%s → ERR_CAPABILITY_REQUIRED (%s)', async (code, capability) => {
    const r = await runOnce(code)
    expect(r.status).toBe('error')
    expect(r.error?.code).toBe('ERR_CAPABILITY_REQUIRED')
    expect(r.error?.details).toEqual({ capability })
  })
})
