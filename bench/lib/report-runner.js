/** REPORT.md tables of issue 15's sections: the resident runner (targets, exec floor) and the Python corpus. */
import { fmtValue, stat } from './figures.js'
import { latencyTable } from './report-sections.js'
import { fmtRatio } from './stats.js'
import { esc, head, row } from './markdown.js'

/** How many disagreements the report lists per tier (the JSON keeps them all). */
const LISTED = 20

/**
 * The runner's targets: our p50 against the issue's bound, and how many times faster than the raw exec
 * floor (floor ÷ ours; the issue expects ≥ 10×) and than the same tier with the runner off.
 */
export function runnerTable(index, section) {
  const lines = [
    head(
      [
        'figure',
        'path',
        'p50',
        'target',
        'met',
        'exec floor p50',
        'floor ÷ ours',
        'runner off p50',
        'off ÷ ours',
      ],
      ['---', '---', '---:', '---:', ':---:', '---:', '---:', '---:', '---:'],
    ),
  ]
  for (const c of Object.values(section.cases ?? {})) {
    if (c.role !== 'ours' || c.errorKey || c.id.endsWith('.off')) continue
    const v = stat(c)
    const floor = c.floor ? index.get(c.floor) : undefined
    const offId = (c.also ?? []).find((id) => id.endsWith('.off'))
    const offCase = offId ? index.get(offId) : undefined
    const met = v === undefined || c.target === undefined ? '–' : v <= c.target ? 'yes' : '**no**'
    lines.push(
      row([
        c.label,
        c.path ?? '–',
        c.skipped ?? (c.error ? `error: ${c.error.slice(0, 80)}` : fmtValue(v, 'ms')),
        c.target === undefined ? '–' : `≤ ${fmtValue(c.target, 'ms')}`,
        met,
        floor ? fmtValue(stat(floor), 'ms') : '–',
        floor ? fmtRatio(stat(floor), v) : '–',
        offCase ? fmtValue(stat(offCase), 'ms') : '–',
        offCase ? fmtRatio(stat(offCase), v) : '–',
      ]),
    )
  }
  const paths = Object.entries(section.paths ?? {}).map(
    ([tier, p]) =>
      `- ${tier}: ${p.path}; ${p.runner ?? '?'} of ${p.containers ?? '?'} live containers of the tier run the runner as their main command; runner-on p50 is ${p.onOffShareP50 === undefined ? '–' : fmtRatio(p.onOffShareP50, 1)} the runner-off p50.`,
  )
  const how =
    'Path: read from the run, not assumed: the main command of the containers (the resident runner or not) and the runner-on figure beside the runner-off tier (`runner: false`, one docker exec per run; under 0.6× counts as the runner path). The session row is one execute per round on a sandbox that imported json once.'
  return [
    lines.join('\n'),
    paths.join('\n'),
    how,
    '**All figures**',
    latencyTable(index, section),
  ].join('\n\n')
}

/** The corpus: verdicts per mechanism, agreement with the host, time total and median, ratio to python3. */
export function corpusTable(index, section) {
  const host = index.get('corpus.python3')
  const lines = [
    head(
      [
        'mechanism',
        'programs',
        'passed',
        'verdicts = host',
        'total',
        'median',
        'p99',
        '× python3 (total)',
        '× python3 (median)',
      ],
      ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
    ),
  ]
  const lists = []
  for (const c of Object.values(section.cases ?? {})) {
    if (c.skipped || (c.error && !c.summary)) {
      lines.push(row([c.label, c.skipped ?? `error: ${c.error.slice(0, 100)}`, '', '', '', '', '']))
      continue
    }
    const ours = c.id !== 'corpus.python3'
    lines.push(
      row([
        c.label,
        c.programs,
        c.passed,
        ours ? `${c.agree} of ${c.compared}` : '–',
        fmtValue(c.totalMs, 'ms'),
        fmtValue(stat(c), 'ms'),
        fmtValue(stat(c, 'p99'), 'ms'),
        ours ? fmtRatio(c.totalMs, host?.totalMs) : '1.00×',
        ours ? fmtRatio(stat(c), stat(host)) : '1.00×',
      ]),
    )
    const differ = ours ? c.disagreements : c.failures
    if (differ?.length) {
      const name = ours
        ? `${c.tier}: verdicts that differ from the host's`
        : 'host python3 failures'
      lists.push(
        `${name} (${differ.length}${differ.length > LISTED ? `, first ${LISTED}` : ''}):`,
        ...differ
          .slice(0, LISTED)
          .map(
            (d) =>
              `- \`${d.id}\`${d.host ? ` host ${d.host}, ${c.tier} ${d.ours}` : ''}: ${esc(d.reason.replace(/\s+/g, ' ').slice(0, 200))}`,
          ),
      )
    }
  }
  const k = section.corpus
  const about = k
    ? `${section.programs} programs of a corpus of ${k.size} (\`${k.hash}\`): ${k.source}, ${k.blocksExamined} blocks examined in sorted path order (left out: ${Object.entries(
        k.rejected ?? {},
      )
        .map(([why, n]) => `${n} ${why}`)
        .join(
          ', ',
        )}); checked by doctest on the host's ${k.python.path} ${k.python.version}. Each program ran once per mechanism, the mechanisms in a fresh random order per program; a program's time is the caller's wall time (runOnce: create, run, destroy; subprocess: spawn to exit). Built by scripts/python-corpus.sh, cached in ~/.cache/sandtier/corpus/.`
    : ''
  return [lines.join('\n'), lists.join('\n') || 'Every verdict agrees with the host.', about]
    .filter(Boolean)
    .join('\n\n')
}
