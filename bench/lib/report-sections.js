/** The detailed tables of REPORT.md, one per section, each row beside its floor. */
import { fmtCase, fmtValue, ratioTo, stat } from './figures.js'
import { fmt, fmtRatio } from './stats.js'
import { head, row } from './markdown.js'

const shortLabel = (index, id) =>
  (index.get(id)?.label ?? id)
    .replace(/^(quickjs-emscripten|bare worker|dockerode): /, '')
    .slice(0, 48)

function valueCells(c) {
  if (c.skipped) return [c.skipped, '', '']
  if (!c.summary && c.interrupted)
    return [`all ${c.interrupted.runs} run(s) lost to an engine restart`, '', '']
  if (c.error) return [`error: ${c.error.slice(0, 120)}`, '', '']
  const lost = c.interrupted ? ` (+${c.interrupted.runs} lost to an engine restart)` : ''
  return [fmtValue(stat(c), c.unit), fmtValue(stat(c, 'p99'), c.unit), `${c.summary.n}${lost}`]
}

/** Latency-style sections: figure | role | p50 | p99 | n | × floor p50 | × floor p99 | also. */
export function latencyTable(index, section) {
  const lines = [
    head(
      ['figure', 'role', 'p50', 'p99', 'n', '× floor p50', '× floor p99', 'vs other floors (p50)'],
      ['---', '---', '---:', '---:', '---:', '---:', '---:', '---'],
    ),
  ]
  for (const c of Object.values(section.cases ?? {})) {
    if (c.errorKey && !c.summary) continue
    const ok = c.summary && !c.skipped
    const floor =
      ok && c.floor ? [ratioTo(index, c, c.floor), ratioTo(index, c, c.floor, 'p99')] : ['', '']
    const also = ok
      ? (c.also ?? []).map((id) => `${ratioTo(index, c, id)} ${shortLabel(index, id)}`).join('; ')
      : ''
    lines.push(row([c.label, c.role, ...valueCells(c), ...floor, also]))
  }
  return lines.join('\n')
}

/** CPU: workload | mechanism | p50 | p99 | × plain node | × floor. */
export function cpuTable(index, section) {
  const lines = [
    head(
      ['workload', 'mechanism', 'role', 'p50', 'p99', 'n', '× plain node (p50)', '× floor (p50)'],
      ['---', '---', '---', '---:', '---:', '---:', '---:', '---:'],
    ),
  ]
  for (const c of Object.values(section.cases ?? {})) {
    if (c.errorKey && c.skipped) continue
    const ok = c.summary && !c.skipped
    const base = ok && c.id !== c.base ? ratioTo(index, c, c.base) : c.id === c.base ? '1.00×' : ''
    const floor = ok && c.floor ? ratioTo(index, c, c.floor) : ''
    lines.push(row([c.workload, c.label, c.role, ...valueCells(c), base, floor]))
  }
  return lines.join('\n')
}

/** Throughput: one row per mechanism, one column per concurrency, "% of floor" beside ours. */
export function throughputTable(index, section) {
  const cs = section.concurrency ?? []
  const byMech = new Map()
  for (const c of Object.values(section.cases ?? {})) {
    const mech = c.id.replace(/\.c\d+$/, '')
    if (!byMech.has(mech))
      byMech.set(mech, {
        label: c.label
          .replace(/, \d+ (sandboxes|at a time)$/, '')
          .replace(/ into \d+ running/, ' into C running'),
        role: c.role,
        cells: {},
      })
    byMech.get(mech).cells[c.concurrency] = c
  }
  const lines = [
    head(
      ['mechanism', 'role', ...cs.map((c) => `C=${c}`)],
      ['---', '---', ...cs.map(() => '---:')],
    ),
  ]
  for (const { label, role, cells } of byMech.values()) {
    const values = cs.map((n) => {
      const c = cells[n]
      if (!c) return '–'
      if (c.skipped || c.error) return fmtCase(c)
      const floor = c.floor ? index.get(c.floor) : undefined
      const pct = floor?.summary ? ` (${Math.round((100 * stat(c)) / stat(floor))} % of floor)` : ''
      return `${fmtValue(stat(c), 'exec/s')}${pct}`
    })
    lines.push(row([label, role, ...values]))
  }
  return lines.join('\n')
}

/** Memory: instance | role | median [min..max] | PSS | × floor. */
export function memoryTable(index, section) {
  const lines = [
    head(
      ['instance', 'role', 'per instance (median)', 'min..max', 'method', '× floor'],
      ['---', '---', '---:', '---:', '---', '---:'],
    ),
  ]
  for (const c of Object.values(section.cases ?? {})) {
    if (!c.summary && c.interrupted && !c.errorKey)
      lines.push(row([c.label, c.role, 'lost to an engine restart', '', '', '']))
    if (!c.summary && !c.skipped && !c.error) continue
    if (c.skipped || c.error) {
      if (!c.errorKey)
        lines.push(
          row([c.label, c.role, c.skipped ?? `error: ${c.error.slice(0, 120)}`, '', '', '']),
        )
      continue
    }
    const range = `${fmtValue(c.summary.min, 'KiB')}..${fmtValue(c.summary.max, 'KiB')}`
    const extra = c.pssKiB !== undefined ? `; PSS ${fmt(c.pssKiB)} KiB` : ''
    lines.push(
      row([
        c.label,
        c.role,
        fmtValue(stat(c), 'KiB'),
        range,
        `${c.method ?? ''}${extra}`,
        c.floor ? ratioTo(index, c, c.floor) : '',
      ]),
    )
  }
  return lines.join('\n')
}

export function escalationText(index, section) {
  if (!section.fibNs) return 'Not run (quickjs not selected or unavailable).'
  const lines = []
  for (const n of section.fibNs) {
    const runs = section.runs?.[`esc.${n}.auto`] ?? []
    const moved = runs.filter((r) => r.escalations?.length)
    const reasons = [
      ...new Set(
        moved.flatMap((r) => r.escalations.map((e) => `${e.from} → ${e.to} (${e.reason})`)),
      ),
    ]
    const tiers = [...new Set(runs.map((r) => r.tier))].join(', ') || '–'
    const why = reasons.length ? `: ${reasons.join(', ')}` : ''
    lines.push(
      `- fib(${n}) in auto mode ran on ${tiers}; escalated in ${moved.length} of ${runs.length} runs (warm-up included)${why}.`,
    )
  }
  lines.push(
    '',
    head(
      ['run', 'p50', 'p99', 'n', '× plain node (p50)', '× QuickJS alone (p50)'],
      ['---', '---:', '---:', '---:', '---:', '---:'],
    ),
  )
  for (const c of Object.values(section.cases ?? {})) {
    const ok = c.summary && !c.skipped && c.role === 'ours'
    const node = index.get(`esc.${c.fibN}.node`)
    const alone = index.get(`esc.${c.fibN}.quickjs`)
    lines.push(
      row([
        c.label,
        ...valueCells(c),
        ok ? fmtRatio(stat(c), stat(node)) : '',
        ok ? fmtRatio(stat(c), stat(alone)) : '',
      ]),
    )
  }
  return lines.join('\n')
}

/**
 * The one-worker bound of issue 22: under a flood, a neighbour's run waits at most about one flooder run
 * (the one running when it arrives) plus one more (its reply crossing the next one's admission), so its p99
 * is judged against quiet p99 + 2 × the flooder's run p50, all from the same run.
 */
export function neighbourBound(index, s = '.oneworker') {
  const flood = stat(index.get(`nb.flood${s}`), 'p99')
  const quiet = stat(index.get(`nb.quiet${s}`), 'p99')
  const run = stat(index.get(`nb.flooder.run${s}`), 'p50')
  if ([flood, quiet, run].some((v) => v === undefined || Number.isNaN(v))) return undefined
  const boundMs = quiet + 2 * run
  const flooderRunP99Ms = stat(index.get(`nb.flooder.run${s}`), 'p99')
  return {
    p99Ms: flood,
    quietP99Ms: quiet,
    flooderRunP50Ms: run,
    flooderRunP99Ms,
    boundMs,
    met: flood <= boundMs,
  }
}

/** Neighbours: figure | p50 | p99 | n | × reference (p50 / p99) | reference; then the one-worker bound. */
export function neighboursTable(index, section) {
  const lines = [
    head(
      ['figure', 'p50', 'p99', 'n', '× reference p50', '× reference p99', 'reference'],
      ['---', '---:', '---:', '---:', '---:', '---:', '---'],
    ),
  ]
  for (const c of Object.values(section.cases ?? {})) {
    if (c.errorKey && !c.summary) continue
    const ok = c.summary && !c.skipped && c.floor
    const ratios = ok
      ? [
          ratioTo(index, c, c.floor),
          ratioTo(index, c, c.floor, 'p99'),
          c.refName ?? shortLabel(index, c.floor),
        ]
      : ['', '', '']
    lines.push(row([c.label, ...valueCells(c), ...ratios]))
  }
  const workers = section.workers
    ? `Workers: ${Object.entries(section.workers)
        .map(([k, v]) => `${k} ${v ?? '?'}`)
        .join(', ')}. `
    : ''
  const b = neighbourBound(index)
  const bound = b
    ? `One worker: the neighbour's p99 under the flood is ${fmtValue(b.p99Ms, 'ms')}; bound = quiet p99 ${fmtValue(b.quietP99Ms, 'ms')} + 2 × flooder run p50 ${fmtValue(b.flooderRunP50Ms, 'ms')} = ${fmtValue(b.boundMs, 'ms')}: ${b.met ? 'met' : '**not met**'}.`
    : 'One-worker bound: not measured.'
  // On a loaded machine the flooder's own ~2 ms runs stretch (its thread is descheduled mid-loop): the
  // neighbour's tail beside the flooder's tail says whether it still waits about one run, not a queue.
  const tail = b
    ? ` The flooder's own run p99 is ${fmtValue(b.flooderRunP99Ms, 'ms')}: the neighbour's p99 is ${fmtRatio(b.p99Ms, b.flooderRunP99Ms)} that; waiting behind the flooder's ${section.depth ?? '?'} queued runs would take ~${fmtValue((section.depth ?? NaN) * b.flooderRunP50Ms, 'ms')}.`
    : ''
  const how = `${workers}Each flood block keeps ${section.depth ?? '?'} runs of \`${section.floodCode ?? '?'}\` submitted on one flooder sandbox (the manager serializes them, so one at a time is admitted); quiet and flood blocks of ${section.block ?? '?'} back-to-back samples alternate in a fresh random order each round. The flooder's throughput is counted per block over at least ${section.floodMs ?? '?'} ms from the neighbour's first sample (median over blocks); its run time is ExecResult.durationMs (tier send → reply), which includes waiting behind a neighbour's run.`
  return `${lines.join('\n')}\n\n${bound}${tail}\n\n${how}`
}

/**
 * benchmark.js figures: figure | role | mean ± rme | ops/s | samples | × floor (mean) | the interleaved p50 of
 * the same operation from another section of this run, when it measured one.
 */
export function microTable(index, section) {
  const lines = [
    head(
      ['figure', 'role', 'mean ± rme', 'ops/s', 'samples', '× floor (mean)', 'interleaved p50'],
      ['---', '---', '---:', '---:', '---:', '---:', '---'],
    ),
  ]
  const mean = (id) => index.get(id)?.benchmark?.meanMs
  for (const c of Object.values(section.cases ?? {})) {
    const b = c.benchmark
    let cells
    if (c.skipped) cells = [c.skipped, '', '']
    else if (c.error) cells = [`error: ${c.error.slice(0, 120)}`, '', '']
    else if (!b) cells = ['–', '', '']
    else
      cells = [`${fmtValue(b.meanMs, 'ms')} ± ${b.rmePct.toFixed(1)}%`, `${fmt(b.hz)}/s`, b.samples]
    const floor = b && c.floor && mean(c.floor) ? fmtRatio(b.meanMs, mean(c.floor)) : ''
    const other = c.median && index.get(c.median)
    const median = other?.summary ? `${fmtValue(stat(other), other.unit)} (${c.median})` : ''
    lines.push(row([c.label, c.role, ...cells, floor, median]))
  }
  const o = section.options
  if (o)
    lines.push('', `_benchmark.js: maxTime ${o.maxTime} s, minSamples ${o.minSamples} per figure._`)
  return lines.join('\n')
}

/** Snapshots: the latency table (restore vs re-run as its × floor), then sizes beside the heap held. */
export function snapshotTable(index, section) {
  const sizes = (section.sizes ?? []).map((z) =>
    row([
      z.label,
      fmtValue(z.snapshotBytes / 1024, 'KiB'),
      fmtValue(z.imageBytes / 1024, 'KiB'),
      fmtValue(z.heapBytes / 1024, 'KiB'),
      fmtValue(z.breakBytes / 1024, 'KiB'),
      fmtRatio(z.snapshotBytes, z.breakBytes),
    ]),
  )
  const table = head(
    [
      'sandbox',
      'snapshot',
      'image (raw)',
      'heap above the ready image',
      'used memory (to the break)',
      'snapshot / used',
    ],
    ['---', '---:', '---:', '---:', '---:', '---:'],
  )
  const how = `The library is ${section.libraryChars ?? '?'} characters of generated functions; "× floor" of the restore row is restore ÷ re-run (p50, same run). Snapshots are deflated (level 1) and signed (HMAC-SHA256).`
  return `${latencyTable(index, section)}\n\n${table}\n${sizes.join('\n')}\n\n${how}`
}

/** Python: the latency table (pywasm × python3 -c as its floor, × docker beside it), then idle memory. */
export function pythonTable(index, section) {
  const idle = section.idle
  const memory = idle
    ? [
        head(['idle pywasm sandbox (ran once, globals kept)', 'per sandbox'], ['---', '---:']),
        row([
          'interpreter pages kept on the host (differ from the shared image)',
          fmtValue(idle.stateBytesPerSandbox / 1024, 'KiB'),
        ]),
        row(['process RSS growth', fmtValue(idle.rssBytesPerSandbox / 1024, 'KiB')]),
        '',
        `_${idle.sandboxes} idle sandboxes; the target is ≤ 8 MiB above the shared image._`,
      ].join('\n')
    : ''
  return `${latencyTable(index, section)}\n\n${memory}`
}
