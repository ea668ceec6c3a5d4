/**
 * Issue 12, finding 1 (SECURITY-CASES R1): built-ins with known memory-safety bugs in the QuickJS build are
 * removed before any guest code runs (prelude.ts REMOVED_GLOBALS; the audit is in docs/security.md). Through
 * the real worker: no way of naming the global finds it, and the grow bug's probe ends as a guest error.
 */
import { describe, expect, it } from 'vitest'
import { REMOVED_GLOBALS, REMOVED_METHODS } from '../../../src/tiers/quickjs/prelude.js'
import { useFileManager } from '../../fixtures/sandtier.js'

const { runOnce } = useFileManager({ tiers: { quickjs: { workers: 1, spareWorkers: 1 } } })

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

  it.each(REMOVED_METHODS.map(([owner, name]) => `${owner}.prototype.${name}`))(
    'I12-1: %s is not reachable from guest code',
    async (path) => {
      const r = await runOnce(
        `[typeof ${path}, Object.getOwnPropertyNames(${path.slice(0, path.lastIndexOf('.'))}).includes(${JSON.stringify(path.slice(path.lastIndexOf('.') + 1))})]`,
      )
      expect(r.value).toEqual(['undefined', false])
    },
  )

  // A typed array built over a buffer that a `prototype` getter shrinks or detaches read the module's heap
  // outside the buffer (bellard/quickjs #450, #478, #492): with the methods gone, both probes are TypeErrors.
  const NONZERO = 'function nz(a){let n=0;for(let i=0;i<a.length;i++) if(a[i]) n++; return n}'
  it.each([
    ['resize', 'new ArrayBuffer(4096, { maxByteLength: 4096 })', 'ab.resize(0)'],
    ['transfer', 'new ArrayBuffer(4096)', 'ab.transfer()'],
  ])(
    'I12-1: the %s-under-construction probe ends as a guest TypeError, not a read',
    async (_name, make, shrink) => {
      const r = await runOnce(`${NONZERO}; const ab = ${make}; const evil = function(){}.bind();
      Object.defineProperty(evil, 'prototype', { get: () => { ${shrink}; return Uint8Array.prototype } });
      const u8 = Reflect.construct(Uint8Array, [ab], evil); 'len ' + u8.length + ' nonzero ' + nz(u8)`)
      expect({ status: r.status, name: r.error?.name }).toEqual({
        status: 'error',
        name: 'TypeError',
      })
    },
  )

  it('I12-1: a sandbox that redefines a removed global does not give it to the next sandbox', async () => {
    const first = await runOnce('globalThis.SharedArrayBuffer = 1; globalThis.Atomics = 2; 0')
    expect(first.status).toBe('ok')
    const next = await runOnce('[typeof SharedArrayBuffer, typeof Atomics]')
    expect(next.value).toEqual(['undefined', 'undefined'])
  })
})
