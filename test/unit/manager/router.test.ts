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
})
