/**
 * Issue 12, finding 1 (SECURITY-CASES R1): built-ins with known memory-safety bugs in the QuickJS build are
 * removed before any guest code runs (prelude.ts REMOVED_GLOBALS; the audit is in docs/security.md). Through
 * the real worker: no way of naming the global finds it, and the grow bug's probe ends as a guest error.
 */
import { describe, expect, it } from 'vitest'
import { REMOVED_GLOBALS } from '../../../src/tiers/quickjs/prelude.js'
import { useQuickJsManager } from '../../helpers/quickjs-manager.js'

const { runOnce } = useQuickJsManager(1)

describe('quickjs tier: removed intrinsics are out of the guest reach', () => {
  it.each(REMOVED_GLOBALS)('I12-1: %s is not reachable from guest code', async (name) => {
    const probe = `const n = ${JSON.stringify(name)}; [
      eval('typeof ' + n),
      typeof globalThis[n],
      typeof Reflect.get(globalThis, n),
      Object.getOwnPropertyNames(globalThis).includes(n),
      Reflect.ownKeys(globalThis).includes(n),
      n in globalThis,
      typeof Object.getOwnPropertyDescriptor(globalThis, n),
      typeof (0, eval)('this')[n],
      typeof Function('return this')()[n],
    ]`
    const r = await runOnce(probe)
    expect({ status: r.status, value: r.value }).toEqual({
      status: 'ok',
      value: [
        'undefined',
        'undefined',
        'undefined',
        false,
        false,
        false,
        'undefined',
        'undefined',
        'undefined',
      ],
    })
  })

  it('I12-1 / R1: the SharedArrayBuffer grow probe ends as a guest ReferenceError, not a read', async () => {
    const r = await runOnce(
      'const s = new SharedArrayBuffer(16, { maxByteLength: 1 << 20 }); s.grow(1 << 20);' +
        ' new Uint8Array(s).filter((b) => b !== 0).length',
    )
    expect({ status: r.status, name: r.error?.name }).toEqual({
      status: 'error',
      name: 'ReferenceError',
    })
  })

  it('I12-1: a sandbox that redefines a removed global does not give it to the next sandbox', async () => {
    const first = await runOnce('globalThis.SharedArrayBuffer = 1; globalThis.Atomics = 2; 0')
    expect(first.status).toBe('ok')
    const next = await runOnce('[typeof SharedArrayBuffer, typeof Atomics]')
    expect(next.value).toEqual(['undefined', 'undefined'])
  })
})
