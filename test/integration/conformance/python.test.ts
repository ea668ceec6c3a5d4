/** Cross-tier conformance: the same Python requests give the same result on pywasm (CPython on WASI), docker (runc) and gvisor. */
import { describe, expect, it } from 'vitest'
import { type ExecRequest, type TierId } from '../../../src/index.js'
import { useFileManager } from '../../fixtures/sandtier.js'

const { manager } = useFileManager({})

const CASES: { name: string; request: ExecRequest; expected: Record<string, unknown> }[] = [
  {
    name: 'last expression',
    request: { code: 'x = 20\nx + 1' },
    expected: { status: 'ok', value: 21 },
  },
  {
    name: 'input',
    request: { code: "[n * 2 for n in input['items']]", input: { items: [1, 2] } },
    expected: { status: 'ok', value: [2, 4] },
  },
  {
    name: 'stdout and stderr',
    request: { code: "import sys\nprint('out')\nprint('err', file=sys.stderr)" },
    expected: { status: 'ok', stdout: 'out\n', stderr: 'err\n' },
  },
  {
    name: 'exception',
    request: { code: "raise ValueError('bad value')" },
    expected: { status: 'error' },
  },
  {
    name: 'dict value',
    request: { code: "{'a': [1, None, True]}" },
    expected: { status: 'ok', value: { a: [1, null, true] } },
  },
  {
    name: 'timeout',
    request: { code: 'while True: pass', timeoutMs: 1000 },
    expected: { status: 'timeout' },
  },
]

describe.each<TierId>(['pywasm', 'docker', 'gvisor'])('Python conformance on %s', (tier) => {
  let id: string | undefined
  it.each(CASES)('$name', async ({ request, expected }) => {
    id ??= await manager.createSandbox({
      type: tier,
      language: 'python',
      limits: { executionTime: 10_000 },
    })
    const r = await manager.execute(id, { language: 'python', ...request })
    expect(r.tier).toBe(tier)
    expect(r).toMatchObject(expected)
    if (expected['status'] === 'error') expect(r.error?.message).toMatch(/bad value/)
  })
})
