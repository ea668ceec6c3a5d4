import { describe, expect, it } from 'vitest'
import { chooseTier } from '../../../src/manager/router.js'
import type { Language, SandboxType } from '../../../src/index.js'

describe('router: the lightest tier that can run the language', () => {
  it.each<[SandboxType, Language, 'untrusted' | 'trusted', string | undefined]>([
    ['auto', 'javascript', 'untrusted', 'quickjs'],
    ['auto', 'typescript', 'trusted', 'quickjs'],
    ['auto', 'assemblyscript', 'untrusted', 'wasm'],
    ['auto', 'wasm', 'untrusted', 'wasm'],
    ['auto', 'python', 'untrusted', 'gvisor'],
    ['auto', 'python', 'trusted', 'docker'],
    ['auto', 'shell', 'untrusted', 'gvisor'],
    ['auto', 'shell', 'trusted', 'docker'],
    ['quickjs', 'javascript', 'untrusted', 'quickjs'],
    ['quickjs', 'python', 'untrusted', undefined],
    ['wasm', 'javascript', 'untrusted', undefined],
    ['docker', 'javascript', 'untrusted', 'docker'],
    ['gvisor', 'shell', 'trusted', 'gvisor'],
    ['docker', 'wasm', 'trusted', undefined],
  ])('type %s, %s, %s → %s', (type, language, trust, expected) => {
    expect(chooseTier({ type, language, trust })).toBe(expected)
  })

  it.each<[SandboxType, Language, 'untrusted' | 'trusted', boolean, string | undefined]>([
    ['auto', 'python', 'untrusted', true, 'pywasm'],
    ['auto', 'python', 'trusted', true, 'pywasm'],
    ['auto', 'python', 'untrusted', false, 'gvisor'],
    ['auto', 'shell', 'untrusted', true, 'gvisor'],
    ['pywasm', 'python', 'untrusted', false, 'pywasm'],
    ['pywasm', 'javascript', 'untrusted', true, undefined],
    ['gvisor', 'python', 'untrusted', true, 'gvisor'],
  ])(
    'type %s, %s, %s, CPython for WASI built: %s → %s',
    (type, language, trust, pythonWasm, expected) => {
      expect(chooseTier({ type, language, trust, pythonWasm })).toBe(expected)
    },
  )
})
