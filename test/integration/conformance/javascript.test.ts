/**
 * Cross-tier conformance: the same JavaScript requests give the same status, value, stdout, stderr and
 * error on every tier that runs JavaScript.
 */
import { describe, expect, it } from 'vitest'
import { type TierId } from '../../../src/index.js'
import { JS_CONFORMANCE_CASES as CASES } from '../../fixtures/js-conformance-cases.js'
import { useFileManager } from '../../fixtures/sandtier.js'

const { manager } = useFileManager({})

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
