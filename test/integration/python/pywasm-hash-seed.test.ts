/**
 * The string hash seed of the pywasm tier (docs/tiers.md, "Randomness"): fixed in the tier's ready image, so
 * every sandbox of one tier instance (one manager) shares it, and another manager's tier draws its own. Tenants
 * that must not share it need separate managers: these tests pin both halves of that rule.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'
import { locatePythonWasm } from '../../../src/tiers/python/artifacts.js'

const status = await locatePythonWasm()
const PY = { type: 'pywasm', language: 'python' } as const
const HASH = 'str(hash("the same text"))'

describe.skipIf(!status.available)('pywasm hash seed', () => {
  const one = new SandboxManager({ tiers: { pywasm: { maxWorkers: 1 } } })
  const other = new SandboxManager({ tiers: { pywasm: { maxWorkers: 1 } } })
  afterAll(async () => {
    await one.close()
    await other.close()
  })

  it('two sandboxes of one manager hash a string alike (one seed per tier instance)', async () => {
    const a = await one.runOnce(PY, HASH)
    const b = await one.runOnce(PY, HASH)
    expect(b.value).toBe(a.value)
  })

  it('another manager’s tier hashes it differently (its image drew its own seed)', async () => {
    const a = await one.runOnce(PY, HASH)
    const b = await other.runOnce(PY, HASH)
    expect(b.value).not.toBe(a.value)
  })
})
