import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'

const threads = (): number => readdirSync('/proc/self/task').length

async function settle(until: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !until(); i++) await new Promise((r) => setTimeout(r, 20))
}

describe('the JavaScript preparation workers of the container tiers (issue 13: nothing left after close)', () => {
  it('end when the last container tier closes, not before', async () => {
    const before = threads()
    const first = new SandboxManager()
    const second = new SandboxManager()
    const js = { type: 'docker', language: 'typescript' } as const
    expect(await first.runOnce(js, 'const n: number = 1; n + 1')).toMatchObject({ value: 2 })
    expect(await second.runOnce(js, 'const n: number = 2; n + 1')).toMatchObject({ value: 3 })
    const during = threads()
    expect(during).toBeGreaterThan(before)
    await first.close()
    // The other manager's docker tier still holds the pool: its idle worker stays for its next run.
    expect(await second.runOnce(js, 'const n: number = 3; n + 1')).toMatchObject({ value: 4 })
    await second.close()
    await settle(() => threads() <= before)
    expect(threads()).toBe(before)
  })
})
