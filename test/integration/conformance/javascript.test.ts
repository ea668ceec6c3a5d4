/**
 * Cross-tier conformance: the same JavaScript requests give the same status, value, stdout, stderr and
 * error on every tier that runs JavaScript.
 */
import { describe, expect, it } from 'vitest'
import { type ExecRequest, type TierId } from '../../../src/index.js'
import { useFileManager } from '../../fixtures/sandtier.js'

const { manager } = useFileManager({})

interface Case {
  name: string
  request: ExecRequest
  expected: {
    status: string
    value?: unknown
    stdout?: string
    stderr?: string
    errorName?: string
    errorMessage?: RegExp
  }
}

const CASES: Case[] = [
  { name: 'last expression', request: { code: '1 + 2 * 3' }, expected: { status: 'ok', value: 7 } },
  {
    name: 'input',
    request: { code: 'input.items.map((x) => x * 2)', input: { items: [1, 2] } },
    expected: { status: 'ok', value: [2, 4] },
  },
  {
    name: 'default export called with input',
    request: {
      code: 'export default async function (input) { return { sum: input.a + input.b } }',
      input: { a: 1, b: 2 },
    },
    expected: { status: 'ok', value: { sum: 3 } },
  },
  {
    name: 'top-level await',
    request: { code: 'const v = await Promise.resolve(21); v * 2' },
    expected: { status: 'ok', value: 42 },
  },
  {
    name: 'stdout and stderr',
    request: { code: 'console.log("out", 1); console.error("err"); "done"' },
    expected: { status: 'ok', value: 'done', stdout: 'out 1\n', stderr: 'err\n' },
  },
  {
    name: 'object formatting',
    request: { code: 'console.log({ a: 1, b: "x" }, [1, 2])' },
    expected: { status: 'ok', stdout: "{ a: 1, b: 'x' } [ 1, 2 ]\n" },
  },
  { name: 'no value', request: { code: 'let unused = 1' }, expected: { status: 'ok' } },
  {
    name: 'thrown error',
    request: { code: 'throw new RangeError("out of range")' },
    expected: { status: 'error', errorName: 'RangeError', errorMessage: /out of range/ },
  },
  {
    name: 'rejected default export',
    request: { code: 'export default async () => { throw new TypeError("nope") }' },
    expected: { status: 'error', errorName: 'TypeError', errorMessage: /nope/ },
  },
  {
    name: 'syntax error',
    request: { code: 'let = ;' },
    expected: { status: 'error', errorName: 'SyntaxError' },
  },
  {
    name: 'timeout',
    request: { code: 'for (;;) {}', timeoutMs: 1000 },
    expected: { status: 'timeout' },
  },
  {
    name: 'TypeScript',
    request: {
      code: 'const n: number = 4\nexport default (i: { k: number }): number => n * i.k',
      language: 'typescript',
      input: { k: 2 },
    },
    expected: { status: 'ok', value: 8 },
  },
]

const TIERS: TierId[] = ['quickjs', 'docker', 'gvisor']

describe.each(TIERS)('JavaScript conformance on %s', (tier) => {
  let id: string | undefined
  const sandbox = async (): Promise<string> => {
    id ??= await manager.createSandbox({ type: tier, limits: { executionTime: 10_000 } })
    return id
  }

  it.each(CASES)('$name', async ({ request, expected }) => {
    // a fresh sandbox per case on in-process tiers keeps REPL state from leaking between cases
    const sid = tier === 'quickjs' ? await manager.createSandbox({ type: tier }) : await sandbox()
    const r = await manager.execute(sid, request)
    expect(r.tier).toBe(tier)
    expect(r.status).toBe(expected.status)
    expect(r.value).toEqual(expected.value)
    if (expected.stdout !== undefined) expect(r.stdout).toBe(expected.stdout)
    if (expected.stderr !== undefined) expect(r.stderr).toBe(expected.stderr)
    if (expected.errorName) expect(r.error?.name).toBe(expected.errorName)
    if (expected.errorMessage) expect(r.error?.message).toMatch(expected.errorMessage)
    if (tier === 'quickjs') await manager.destroy(sid)
  })
})
