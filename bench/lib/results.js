/** Where a run writes: results/<timestamp>.json + results/latest.json, REPORT.md and results/chart.svg. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url))

/** A full run writes into bench/; a quick one into a temp dir (so a smoke test never dirties the repo). */
export function outputPaths(opts, stamp) {
  const dir = opts.out ?? (opts.quick ? join(tmpdir(), `sandtier-bench-quick-${stamp}`) : BENCH_DIR)
  const results = join(dir, 'results')
  return {
    dir,
    json: join(results, `${stamp}.json`),
    latest: join(results, 'latest.json'),
    report: join(dir, 'REPORT.md'),
    chart: join(results, 'chart.svg'),
  }
}

export const timestamp = (date) =>
  date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-')

export function writeJson(paths, results) {
  mkdirSync(join(paths.dir, 'results'), { recursive: true })
  const text = `${JSON.stringify(results, null, 1)}\n`
  writeFileSync(paths.json, text)
  writeFileSync(paths.latest, text)
}

export function writeText(path, text) {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, text)
}

/** Prettier-formats markdown when prettier is installed (the repo's format check covers REPORT.md). */
export async function formatMarkdown(text) {
  try {
    const prettier = await import('prettier')
    return await prettier.format(text, {
      parser: 'markdown',
      printWidth: 100,
      proseWrap: 'preserve',
    })
  } catch {
    return text
  }
}

/** Every case record with an error, over all sections. */
export function caseErrors(results) {
  const out = []
  for (const [sid, section] of Object.entries(results.sections)) {
    if (section.error) out.push(`${sid}: ${section.error}`)
    for (const c of Object.values(section.cases ?? {}))
      if (c.error && !c.errorKey) out.push(`${sid}/${c.id}: ${c.error}`)
  }
  return out
}

/** REPORT.md and chart.svg from a results object. */
export async function writeReport(results, paths) {
  const { renderReport } = await import('./report.js')
  const { renderChart } = await import('./chart.js')
  writeText(paths.chart, renderChart(results))
  writeText(paths.report, await formatMarkdown(renderReport(results)))
}

/** --from: re-renders the report of a results JSON (into the directory that holds its results/). */
export async function rewriteReport(file) {
  const json = resolve(file)
  const dir = dirname(dirname(json))
  const paths = {
    dir,
    json,
    report: join(dir, 'REPORT.md'),
    chart: join(dir, 'results', 'chart.svg'),
  }
  await writeReport(JSON.parse(readFileSync(json, 'utf8')), paths)
  return `report ${paths.report} and chart ${paths.chart} rewritten from ${json}`
}
