/**
 * The real-workload section (issue 15): ~150 small Python programs from the Python documentation's doctest
 * examples (scripts/python-corpus.sh builds and caches them; lib/python-corpus*.js), each run one-shot
 * (runOnce, the tier forced, language python) on docker and gvisor beside a plain `python3 -c` subprocess on
 * the host. Per program the mechanisms run in a fresh random order. Reports the verdicts (doctest's own check)
 * per mechanism, the programs where a tier's verdict differs from the host's with the reason, the total and
 * median time, and the ratio to the subprocesses (goal ≤ 1.5× on runc).
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { engineGuard } from '../lib/engine-guard.js'
import { caseResult, errorText, skippedCase } from '../lib/interleave.js'
import { runPython } from '../lib/python-corpus-build.js'
import { verdictOf } from '../lib/python-corpus.js'
import { shuffled } from '../lib/stats.js'
import { TIER_CONFIG } from '../lib/tiers.js'

export const title =
  'Real workload: Python documentation doctests, one-shot, vs python3 subprocesses'

const SCRIPT = fileURLToPath(new URL('../../scripts/python-corpus.sh', import.meta.url))
const TIERS = ['docker', 'gvisor']
/** The exit code with which python-corpus.sh says the corpus cannot be built here (not a failure). */
const UNAVAILABLE_EXIT = 3

const META = {
  python3: { id: 'corpus.python3', role: 'floor', label: 'python3 -c <program> (a subprocess)' },
  docker: { id: 'corpus.docker', role: 'ours', tier: 'docker', floor: 'corpus.python3' },
  gvisor: { id: 'corpus.gvisor', role: 'ours', tier: 'gvisor', floor: 'corpus.python3' },
}
const label = (tier) => `runOnce(program, { type: '${tier}', language: 'python' })`

const selectedTiers = (ctx) => TIERS.filter((t) => ctx.selected(t) && !ctx.skip(META[t]))

export const plan = (ctx) => ctx.preset.corpus.programs * (1 + selectedTiers(ctx).length)

/**
 * The corpus: { corpus } or { skipped: reason }. Builds it on first use (150 programs: ~1.5 min here), then
 * cached. The selection is sequential, so the first n of the full corpus are the corpus of limit n: --quick
 * builds only its few.
 */
function loadCorpus(python, limit) {
  return new Promise((resolve) =>
    execFile(
      'bash',
      [SCRIPT, '--python', python, '--limit', String(limit)],
      { timeout: 900_000, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error?.code === UNAVAILABLE_EXIT)
          resolve({ skipped: `unavailable: ${stderr.trim().split('\n').pop()}` })
        else if (error) resolve({ error: `python-corpus.sh: ${errorText(error)} ${stderr.trim()}` })
        else resolve({ corpus: JSON.parse(readFileSync(stdout.trim(), 'utf8')), stderr })
      },
    ),
  )
}

/** One program on one mechanism → { ms, verdict, why } (why: what the sandbox said when not a pass). */
async function runProgram(ctx, mechanism, program, python) {
  const t0 = performance.now()
  if (mechanism === 'python3') {
    const r = await runPython(python, program.code)
    const ms = performance.now() - t0
    const verdict = r.code === 0 ? verdictOf(r.stdout, program.attempted) : 'fail'
    return { ms, verdict, why: `exit ${r.code} ${r.stdout.slice(-200)} ${r.stderr.slice(-200)}` }
  }
  const config = { ...TIER_CONFIG[mechanism], language: 'python' }
  const r = await ctx.tiers[mechanism].manager.runOnce(config, program.code)
  const ms = performance.now() - t0
  const verdict = r.status === 'ok' ? verdictOf(r.stdout, program.attempted) : 'fail'
  const err = r.error ? ` ${r.error.code ?? r.error.name}: ${r.error.message}` : ''
  return { ms, verdict, why: `status ${r.status}${err}; stdout …${r.stdout.slice(-160)}` }
}

export async function measure(ctx) {
  const p = ctx.preset.corpus
  const tiers = selectedTiers(ctx)
  const { hostPython } = await import('../lib/python-corpus-build.js')
  const python = hostPython()
  const loaded = await loadCorpus(python, p.programs)
  const metas = [META.python3, ...TIERS.filter((t) => ctx.selected(t)).map((t) => META[t])]
  const allSkipped = (why) =>
    Object.fromEntries(metas.map((m) => [m.id, skippedCase({ label: label(m.tier), ...m }, why)]))
  if (loaded.skipped) return { cases: allSkipped(loaded.skipped) }
  if (loaded.error) throw new Error(loaded.error)
  const { corpus } = loaded
  const programs = corpus.programs.slice(0, p.programs)
  const mechanisms = ['python3', ...tiers]
  const times = Object.fromEntries(mechanisms.map((m) => [m, []]))
  const verdicts = Object.fromEntries(mechanisms.map((m) => [m, {}]))
  const whys = Object.fromEntries(mechanisms.map((m) => [m, {}]))
  const errors = new Map()
  const lost = new Map()
  const guard = engineGuard(ctx, async () => {})
  await guard.start()
  for (const program of programs) {
    await guard.beforeRound()
    for (const m of shuffled(mechanisms)) {
      try {
        const r = await runProgram(ctx, m, program, python)
        times[m].push(r.ms)
        verdicts[m][program.id] = r.verdict
        if (r.verdict !== 'pass') whys[m][program.id] = r.why.trim().slice(0, 400)
      } catch (error) {
        // runOnce never rejects for a guest outcome: a rejection is ours (or an engine restart's)
        if ((await guard.classify(error)) === 'interruption') lost.set(m, (lost.get(m) ?? 0) + 1)
        else errors.set(m, `${program.id}: ${errorText(error)}`)
      }
      ctx.progress.tick(1, ` corpus ${program.id}`)
    }
  }
  const cases = {}
  for (const m of mechanisms) {
    const meta = m === 'python3' ? META.python3 : { ...META[m], label: label(m) }
    const c = caseResult(meta, times[m], errors.get(m))
    const vs = Object.values(verdicts[m])
    c.programs = vs.length
    c.passed = vs.filter((v) => v === 'pass').length
    c.totalMs = times[m].reduce((s, x) => s + x, 0)
    if (lost.has(m)) c.interrupted = { runs: lost.get(m), last: 'engine restart' }
    if (m !== 'python3') {
      const host = verdicts.python3
      const compared = Object.keys(verdicts[m]).filter((id) => host[id] !== undefined)
      const differ = compared.filter((id) => host[id] !== verdicts[m][id])
      c.agree = compared.length - differ.length
      c.compared = compared.length
      c.disagreements = differ.map((id) => ({
        id,
        host: host[id],
        ours: verdicts[m][id],
        reason: whys[m][id] ?? whys.python3[id] ?? '',
      }))
    } else c.failures = Object.entries(whys.python3).map(([id, reason]) => ({ id, reason }))
    cases[meta.id] = c
  }
  for (const t of TIERS.filter((x) => ctx.selected(x) && !tiers.includes(x)))
    cases[META[t].id] = skippedCase({ ...META[t], label: label(t) }, ctx.skip(META[t]))
  return {
    corpus: {
      source: corpus.source,
      hash: corpus.hash,
      python: corpus.python,
      size: corpus.programs.length,
      blocksExamined: corpus.blocksExamined,
      rejected: corpus.rejected,
    },
    programs: programs.length,
    engineRestarts: guard.restarts,
    cases,
  }
}
