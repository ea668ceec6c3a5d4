/**
 * REPORT.md tables of issue 17's section (bench/cases/hedge.js): the heavy set in auto mode against plain node
 * (target ≤ 3×), the light set with hedging on against the hedge out of reach (containers touched), and the
 * probe-length curve that chose DEFAULT_HEDGE_AFTER_MS.
 */
import { fmtValue, stat } from './figures.js'
import { fmtRatio } from './stats.js'
import { head, row } from './markdown.js'

/** The issue's bound on the heavy set: auto mode within this many times plain node's p50. */
const HEAVY_TARGET = 3
/** The issue's bound on the light set's p50 (ms). */
const LIGHT_TARGET_MS = 1

const cellOf = (c) =>
  !c ? '–' : (c.skipped ?? (c.error ? `error: ${c.error.slice(0, 80)}` : fmtValue(stat(c), 'ms')))

function heavyTable(section) {
  const cases = section.cases ?? {}
  const lines = [
    head(
      ['job', 'trust → tier', 'auto p50', 'plain node p50', '× node', 'target', 'met', 'first run'],
      ['---', '---', '---:', '---:', '---:', '---:', ':---:', '---'],
    ),
  ]
  for (const c of Object.values(cases)) {
    if (c.role !== 'ours' || !c.base) continue
    const node = cases[c.base]
    const v = stat(c)
    const n = node && stat(node)
    const ratio = v !== undefined && n ? v / n : undefined
    const first = section.firstRuns?.[c.id]
    const hedge = first?.escalations?.find((e) => e.reason === 'hedge')?.hedge
    const firstText = first
      ? `${fmtValue(first.ms, 'ms')} on ${first.tier}${hedge ? ` (hedged at ${hedge.afterMs} ms, ${hedge.winner} won: ${hedge.why})` : ''}`
      : '–'
    lines.push(
      row([
        c.label.replace(/: run\(\) in auto mode, \w+$/, ''),
        `${c.label.match(/(\w+)$/)?.[1] ?? '?'} → ${c.tier}`,
        cellOf(c),
        cellOf(node),
        ratio === undefined ? '–' : fmtRatio(v, n),
        `≤ ${HEAVY_TARGET}×`,
        ratio === undefined ? '–' : ratio <= HEAVY_TARGET ? 'yes' : '**no**',
        firstText,
      ]),
    )
  }
  return lines.join('\n')
}

function lightTable(section) {
  const cases = section.cases ?? {}
  const lines = [
    head(
      ['run', 'hedging on p50', 'hedge out of reach p50', 'on ÷ off', 'target', 'met'],
      ['---', '---:', '---:', '---:', '---:', ':---:'],
    ),
  ]
  for (const c of Object.values(cases)) {
    if (!c.id.startsWith('hedge.light.') || !c.id.endsWith('.on')) continue
    const off = cases[c.id.replace(/\.on$/, '.off')]
    const v = stat(c)
    lines.push(
      row([
        c.label.replace(/, hedging on$/, ''),
        cellOf(c),
        cellOf(off),
        off && v !== undefined ? fmtRatio(v, stat(off)) : '–',
        `≤ ${fmtValue(LIGHT_TARGET_MS, 'ms')}`,
        v === undefined ? '–' : v <= LIGHT_TARGET_MS ? 'yes' : '**no**',
      ]),
    )
  }
  const lc = section.lightContainers
  const touched = lc
    ? `Containers made during the light set: ${lc.containerSandboxesMade}; runs escalated: ${lc.escalated} (the target is 0).`
    : ''
  return [lines.join('\n'), touched].filter(Boolean).join('\n\n')
}

function curveTable(section) {
  const curve = section.curve ?? {}
  const probes = Object.keys(curve)
  if (probes.length === 0) return 'No probe curve in this run.'
  const jobs = Object.keys(curve[probes[0]] ?? {})
  const lines = [
    head(
      [
        'probe (hedgeAfterMs)',
        ...jobs.map((j) => `${j}: fib(${curve[probes[0]][j].fibN}) p50`),
        'containers started',
      ],
      ['---:', ...jobs.map(() => '---:'), '---'],
    ),
  ]
  for (const probe of probes) {
    const cells = jobs.map((j) => {
      const x = curve[probe][j]
      return `${fmtValue(x.p50Ms, 'ms')}${x.containerWon ? ` (container won ${x.containerWon}/${x.runs})` : ''}`
    })
    const started = jobs
      .map((j) => `${j} ${curve[probe][j].hedged}/${curve[probe][j].runs}`)
      .join(', ')
    lines.push(row([`${probe} ms`, ...cells, started]))
  }
  const chosen =
    section.hedgeAfterMs === undefined
      ? ''
      : `The default probe is ${section.hedgeAfterMs} ms (\`DEFAULT_HEDGE_AFTER_MS\`).`
  const how =
    'Each sample is new code (trusted: docker), so the memory of heaviness never answers for it and every run pays the probe. A probe shorter than the light jobs starts a container for them (waste: a container per run); a longer one leaves the heavy job in QuickJS that much longer before its container attempt starts.'
  return [lines.join('\n'), [chosen, how].filter(Boolean).join(' ')].join('\n\n')
}

/** The hedge section: heavy set, light set, probe curve. */
export function hedgeTable(_index, section) {
  return [
    `Heavy set (n = ${section.reps ?? '?'} per job, interleaved; the steady state is heavy code remembered and sent straight to its container, \`heavy-before\`; the first, hedged run of each is the last column):`,
    heavyTable(section),
    'Light set (hedging on against hedgeAfterMs at its maximum, interleaved):',
    lightTable(section),
    'Probe-length curve:',
    curveTable(section),
  ].join('\n\n')
}
