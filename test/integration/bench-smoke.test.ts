// The benchmark code runs in every test run (a quick smoke of the in-process tiers), so it never rots.
import { execFile } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

interface BenchCase {
  summary?: { n: number; p50: number }
  skipped?: string
}

interface BenchResults {
  tiers: Record<string, { available: boolean }>
  sections: Record<string, { cases: Record<string, BenchCase> }>
}

describe('bench smoke', () => {
  it('node bench/run.js --quick --tiers quickjs,wasm measures every case of both sections', async () => {
    const { stderr } = await promisify(execFile)(
      process.execPath,
      ['bench/run.js', '--quick', '--tiers', 'quickjs,wasm', '--sections', 'startup,neighbours'],
      { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
    )
    expect(stderr).toMatch(/bench: all cases ran or were skipped with a reason in \d+ s\n$/)
    const resultsFile = /^bench: results (\S+\.json)$/m.exec(stderr)?.[1]
    expect(resultsFile, stderr).toMatch(/\/sandtier-bench-quick-[^/]+\/results\/[^/]+\.json$/)
    const results = JSON.parse(readFileSync(resultsFile!, 'utf8')) as BenchResults
    // --quick writes to a temp dir of its own: <dir>/results/<file>.
    rmSync(dirname(dirname(resultsFile!)), { recursive: true, force: true })

    expect(Object.keys(results.sections).sort()).toEqual(['neighbours', 'startup'])
    expect(results.tiers).toMatchObject({ quickjs: { available: true }, wasm: { available: true } })
    // Every case has samples with a finite median, or says why it was skipped (a peer not installed).
    const unmeasured = Object.values(results.sections)
      .flatMap((section) => Object.entries(section.cases))
      .filter(([, c]) => !(c.summary && c.summary.n > 0 && Number.isFinite(c.summary.p50)))
      .filter(([, c]) => !(typeof c.skipped === 'string' && c.skipped.length > 0))
      .map(([id]) => id)
    expect(unmeasured).toEqual([])
  }, 300_000)
})
