// Issue 15's bench sections in their smoke size, on the real engine (runc and runsc): `runner` (the resident
// runner beside the runner-off tier and the raw exec floor) and `corpus` (the Python documentation's doctests,
// one-shot on both container tiers beside python3 subprocesses). Every row is in the results JSON, measured
// or skipped with a reason, and the corpus's verdicts agree with the host's.
import { execFile } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

interface BenchCase {
  summary?: { n: number; p50: number }
  skipped?: string
  programs?: number
  agree?: number
  compared?: number
}

interface BenchResults {
  sections: Record<string, { cases: Record<string, BenchCase> }>
}

const RUNNER_IDS = ['docker', 'gvisor'].flatMap((tier) =>
  ['py', 'js', 'py.off', 'js.off', 'run', 'run.off', 'session']
    .concat(['py', 'js', 'py.off', 'js.off'].map((k) => `${k}.tier`))
    .map((k) => `rn.${tier}.${k}`),
)
const FLOOR_IDS = ['runc', 'runsc'].flatMap((rt) => [`rn.floor.${rt}.py`, `rn.floor.${rt}.js`])
const CORPUS_IDS = ['corpus.python3', 'corpus.docker', 'corpus.gvisor']

const measured = (c: BenchCase | undefined) =>
  Boolean(c?.summary && c.summary.n > 0 && Number.isFinite(c.summary.p50))
const skippedWithReason = (c: BenchCase | undefined) =>
  typeof c?.skipped === 'string' && c.skipped.length > 0

describe('bench runner and corpus sections', () => {
  it('node bench/run.js --quick --tiers docker,gvisor --sections runner,corpus has every row', async () => {
    const { stderr } = await promisify(execFile)(
      process.execPath,
      ['bench/run.js', '--quick', '--tiers', 'docker,gvisor', '--sections', 'runner,corpus'],
      // the first run on a machine builds the corpus's few programs from the installed docs (seconds)
      { timeout: 540_000, maxBuffer: 16 * 1024 * 1024 },
    )
    expect(stderr).toMatch(/bench: all cases ran or were skipped with a reason in \d+ s\n$/)
    const resultsFile = /^bench: results (\S+\.json)$/m.exec(stderr)?.[1]
    expect(resultsFile, stderr).toMatch(/\/sandtier-bench-quick-[^/]+\/results\/[^/]+\.json$/)
    const results = JSON.parse(readFileSync(resultsFile!, 'utf8')) as BenchResults
    rmSync(dirname(dirname(resultsFile!)), { recursive: true, force: true })

    const runner = results.sections.runner!.cases
    const corpus = results.sections.corpus!.cases
    expect(Object.keys(runner).sort()).toEqual([...RUNNER_IDS, ...FLOOR_IDS].sort())
    expect(Object.keys(corpus).sort()).toEqual([...CORPUS_IDS].sort())
    const unaccounted = [...Object.entries(runner), ...Object.entries(corpus)]
      .filter(([, c]) => !measured(c) && !skippedWithReason(c))
      .map(([id]) => id)
    expect(unaccounted).toEqual([])
    // the floors and the runner-off tier need nothing new: they are measured, never skipped
    expect(FLOOR_IDS.filter((id) => !measured(runner[id]))).toEqual([])
    // a corpus that ran: 6 programs on each mechanism, every tier verdict equal to the host's
    if (!skippedWithReason(corpus['corpus.python3']))
      expect(CORPUS_IDS.map((id) => [id, corpus[id]!.programs, corpus[id]!.agree])).toEqual([
        ['corpus.python3', 6, undefined],
        ['corpus.docker', 6, 6],
        ['corpus.gvisor', 6, 6],
      ])
  }, 600_000)
})
