import { describe, expect, it } from 'vitest'
import { capabilityOfModule, detectCapability } from '../../../src/tiers/quickjs/capabilities.js'

describe('quickjs capabilities', () => {
  it.each([
    ['fs', 'fs'],
    ['node:fs/promises', 'fs'],
    ['child_process', 'child_process'],
    ['node:test', 'test'],
    ['lodash', undefined],
    ['./local.js', undefined],
  ])('module %s needs %s', (specifier, capability) => {
    expect(capabilityOfModule(specifier)).toBe(capability)
  })

  it.each<[string, 'script' | 'module', string | undefined]>([
    // fs is served in the tier on the sandbox's folder: not a capability before the run.
    ["import fs from 'fs'", 'module', undefined],
    ["import { readFileSync } from 'node:fs'", 'module', undefined],
    ["export * from 'node:net'", 'module', 'net'],
    ["await import('node:child_process')", 'module', 'child_process'],
    ["const { spawn } = require('child_process')", 'script', 'child_process'],
    ['process.exit(1)', 'script', 'process'],
    ['typeof process', 'script', undefined],
    ["require('lodash')", 'script', undefined],
    ["const m = 'f' + 's'; require(m)", 'script', 'require'],
    ['const required = 1; required', 'script', undefined],
    ['this is not javascript (', 'script', undefined],
  ])('%s → %s', (code, sourceType, capability) => {
    expect(detectCapability(code, sourceType)).toBe(capability)
  })
})
