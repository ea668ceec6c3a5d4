/**
 * Modules are reset to a byte image of a ready context when their sandbox ends (context-image.ts). These
 * tests drive one worker through many short sandboxes with varied programs, so every ready context is reset
 * many times, and check each result and that nothing of one sandbox reaches the next.
 */
import { describe, expect, it } from 'vitest'
import { useFileManager } from '../../fixtures/sandtier.js'

const { runOnce, manager } = useFileManager({ tiers: { quickjs: { workers: 1, spareWorkers: 1 } } })

interface Program {
  code: string
  status: string
  value?: unknown
  stdout?: string
  timeoutMs?: number
}

const PROGRAMS: Program[] = [
  { code: '1 + 1', status: 'ok', value: 2 },
  { code: "'a'.repeat(3) + 'é'", status: 'ok', value: 'aaaé' },
  {
    code: '({ a: [1, { b: null }], d: new Date(0) })',
    status: 'ok',
    value: { a: [1, { b: null }], d: '1970-01-01T00:00:00.000Z' },
  },
  {
    code: "console.log('x', { y: [1] }); console.error('e'); 3",
    status: 'ok',
    value: 3,
    stdout: 'x { y: [ 1 ] }\n',
  },
  { code: "throw new RangeError('bad')", status: 'error' },
  { code: 'await new Promise((r) => setTimeout(() => r(7), 2))', status: 'ok', value: 7 },
  {
    code: 'const m = new Map([[1, 2]]); const s = new Set([3]); [...m.entries(), ...s]',
    status: 'ok',
    value: [[1, 2], 3],
  },
  { code: "/(\\d+)-(\\w+)/.exec('12-ab').slice(1)", status: 'ok', value: ['12', 'ab'] },
  { code: 'class A { #p = 4; get p() { return this.#p } }; new A().p', status: 'ok', value: 4 },
  { code: 'function* g() { yield 1; yield 2 }; [...g()]', status: 'ok', value: [1, 2] },
  {
    code: "JSON.parse(JSON.stringify({ k: 'v'.repeat(1000) })).k.length",
    status: 'ok',
    value: 1000,
  },
  { code: "const big = 'z'.repeat(1 << 20); big.length", status: 'ok', value: 1 << 20 },
  { code: '10n ** 20n', status: 'error' },
  { code: "console.log('o'.repeat(100)); 1", status: 'output' },
  { code: 'while (true) {}', status: 'timeout', timeoutMs: 50 },
  { code: 'export default function (input) { return input ?? 5 }', status: 'ok', value: 5 },
  { code: "Symbol.for('shared').description", status: 'ok', value: 'shared' },
  { code: 'let n = 0; for (let i = 0; i < 1e5; i++) n += i; n', status: 'ok', value: 4999950000 },
]

// What a sandbox may leave behind, checked in the next one.
const POLLUTE =
  "globalThis.leak = 1; Object.prototype.polluted = 1; Array.prototype.map = null; JSON.stringify = () => 'x'; console.log = null; Math.random = () => 0; 0"
const CLEAN =
  '[typeof leak, typeof ({}).polluted, typeof [].map, JSON.stringify({a:1}), typeof console.log, Math.random() !== 0]'

describe('quickjs tier: contexts reset to the ready image', () => {
  it('2,000 short sandboxes with varied programs each get the right result', async () => {
    let seed = 7
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648)
    for (let i = 0; i < 2000; i++) {
      const program = PROGRAMS[next() % PROGRAMS.length] as Program
      // Every third sandbox has a smaller memory limit: those contexts are reset and reused per limit.
      const memoryLimit = i % 3 === 0 ? 32 * 1024 * 1024 : undefined
      const r = await runOnce(
        { code: program.code, timeoutMs: program.timeoutMs },
        { limits: { maxOutputBytes: 64 }, ...(memoryLimit ? { memoryLimit } : {}) },
      )
      expect({ i, code: program.code, status: r.status }).toEqual({
        i,
        code: program.code,
        status: program.status,
      })
      if ('value' in program) expect(r.value).toEqual(program.value)
      if (program.stdout !== undefined) expect(r.stdout).toBe(program.stdout)
    }
  }, 120_000)

  it.each([
    ['the default memory limit', {}],
    ['a 32 MiB memory limit', { memoryLimit: 32 * 1024 * 1024 }],
  ])(
    'a sandbox that replaced built-ins leaves every later sandbox clean (%s)',
    async (_, config) => {
      for (let i = 0; i < 20; i++) {
        expect((await runOnce(POLLUTE, config)).status).toBe('ok')
        expect((await runOnce(CLEAN, config)).value).toEqual([
          'undefined',
          'undefined',
          'function',
          '{"a":1}',
          'function',
          true,
        ])
      }
    },
  )

  it('REPL state survives between runs of one sandbox while others come and go', async () => {
    const id = await manager.createSandbox({ type: 'quickjs' })
    await manager.execute(id, 'globalThis.count = 0')
    for (let i = 0; i < 50; i++) {
      await runOnce(POLLUTE)
      expect((await manager.execute(id, '++count')).value).toBe(i + 1)
    }
    await manager.destroy(id)
  })

  it('Math.random differs between sandboxes, even ones made in the same millisecond', async () => {
    const values = await Promise.all(Array.from({ length: 16 }, () => runOnce('Math.random()')))
    expect(new Set(values.map((r) => r.value)).size).toBe(16)
  })
})
