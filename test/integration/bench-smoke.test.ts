// The benchmark code runs in every test run (a quick smoke of the in-process tiers), so it never rots.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

describe('bench smoke', () => {
  it('node bench/run.js --quick --tiers quickjs,wasm exits 0', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        'bench/run.js',
        '--quick',
        '--tiers',
        'quickjs,wasm',
        '--sections',
        'startup,neighbours,micro',
      ],
      { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
    )
    expect(stdout).toBeDefined()
  }, 300_000)
})
