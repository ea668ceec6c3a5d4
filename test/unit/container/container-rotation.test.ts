import { describe, expect, it } from 'vitest'
import { MiB, resolveConfig } from '../../../src/config.js'
import {
  grownPastShare,
  rotates,
  ROTATE_GROWTH_SHARE,
} from '../../../src/tiers/container/container-rotation.js'

describe('container rotation rule', () => {
  it('applies under runsc only, never to a session, a writable root filesystem or a main command', () => {
    const config = resolveConfig({ type: 'gvisor' })
    expect(rotates('runsc', config)).toBe(true)
    expect(rotates('runc', resolveConfig({ type: 'docker' }))).toBe(false)
    expect(
      rotates('runsc', resolveConfig({ type: 'gvisor', session: true, language: 'python' })),
    ).toBe(false)
    expect(rotates('runsc', resolveConfig({ type: 'gvisor', writableRootfs: true }))).toBe(false)
  })

  it("asks for a new container once the runtime's memory grew past a quarter of the limit", () => {
    const limit = 64 * MiB
    expect(ROTATE_GROWTH_SHARE).toBe(0.25)
    expect(grownPastShare(12 * MiB, 28 * MiB, limit)).toBe(false)
    expect(grownPastShare(12 * MiB, 28 * MiB + 1, limit)).toBe(true)
    expect(grownPastShare(undefined, 60 * MiB, limit)).toBe(false)
    expect(grownPastShare(12 * MiB, undefined, limit)).toBe(false)
    expect(grownPastShare(Number.POSITIVE_INFINITY, 60 * MiB, limit)).toBe(false)
  })
})
