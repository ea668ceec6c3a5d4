/**
 * results/chart.svg, written by hand: two log-scale bar panels, cold start p50 (with a p99 whisker) and
 * memory per idle sandbox, each tier beside its floor, peers below. Unavailable tiers keep their row.
 */
import { caseIndex, fmtValue, stat } from './figures.js'

const COLORS = {
  quickjs: '#2f7ed8',
  wasm: '#8a5cd1',
  docker: '#1aa37a',
  gvisor: '#e07b22',
  floor: '#a9a9a9',
  peer: '#d4c27a',
}
const ROW = 22
const LABEL_W = 210
const BAR_W = 220
const PANEL_W = LABEL_W + BAR_W + 80

const STARTUP_ROWS = [
  ['quickjs', 'quickjs.cold', 'quickjs: create + first execute'],
  ['floor', 'floor.qjs.rt', '  floor: qjs runtime + context + eval'],
  ['wasm', 'wasm.cold', 'wasm: create + first execute'],
  ['floor', 'floor.wasm.instantiate', '  floor: instantiate cached Module'],
  ['docker', 'ct.docker.cold', 'docker: create + first execute'],
  ['floor', 'ct.floor.runc.create-start-exec', '  floor: dockerode create+start+exec'],
  ['gvisor', 'ct.gvisor.cold', 'gvisor: create + first execute'],
  ['floor', 'ct.floor.runsc.create-start-exec', '  floor: dockerode (runsc)'],
  ['peer', 'peer.vm.context', 'peer: node:vm context'],
  ['peer', 'peer.ivm.isolate', 'peer: isolated-vm isolate'],
  ['floor', 'ct.floor.runc.cli-run', 'floor: docker run --rm (CLI)'],
]
const MEMORY_ROWS = [
  ['quickjs', 'mem.quickjs', 'quickjs sandbox'],
  ['floor', 'mem.qjs-module', '  floor: qjs own module + context'],
  ['wasm', 'mem.wasm', 'wasm sandbox'],
  ['floor', 'mem.wasm-instance', '  floor: wasm instance + 1 page'],
  ['docker', 'cmem.docker', 'docker sandbox (cgroup + shim)'],
  ['floor', 'cmem.runc', '  floor: idle runc container'],
  ['gvisor', 'cmem.gvisor', 'gvisor sandbox (cgroup + shim)'],
  ['floor', 'cmem.runsc', '  floor: idle runsc container'],
  ['peer', 'mem.vm', 'peer: node:vm context'],
  ['peer', 'mem.ivm', 'peer: isolated-vm isolate'],
  ['peer', 'mem.worker', 'peer: idle worker thread'],
]

const xmlEscape = (s) =>
  String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const text = (x, y, s, attrs = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${xmlEscape(s)}</text>`

/** Decade labels: ms as 0.01 ms … 1 s; KiB as 1 KiB … 100 KiB, then ≈1 MiB, ≈10 MiB (1000 KiB ≈ 1 MiB). */
function tick(v, unit) {
  if (unit === 'KiB') return v < 1000 ? `${v} KiB` : `≈${v / 1000} MiB`
  return v < 1000 ? `${Number(v.toPrecision(1))} ms` : `${v / 1000} s`
}

function panel(index, rows, { title, unit, x0, y0, whisker }) {
  const values = rows
    .flatMap(([, id]) => [stat(index.get(id)), whisker ? stat(index.get(id), 'p99') : undefined])
    .filter((v) => v > 0)
  const lo = Math.floor(Math.log10(Math.min(...values, 1)))
  const hi = Math.ceil(Math.log10(Math.max(...values, 10)))
  const scale = (v) => x0 + LABEL_W + ((Math.log10(v) - lo) / (hi - lo || 1)) * BAR_W
  const out = [text(x0, y0, title, 'font-weight="bold" font-size="13"')]
  const top = y0 + 14
  const bottom = top + rows.length * ROW
  for (let d = lo; d <= hi; d++) {
    const x = scale(10 ** d)
    out.push(
      `<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${bottom}" stroke="#e3e3e3"/>`,
    )
    out.push(
      text(x, bottom + 12, tick(10 ** d, unit), 'font-size="9" text-anchor="middle" fill="#666"'),
    )
  }
  rows.forEach(([kind, id, label], i) => {
    const c = index.get(id)
    const y = top + i * ROW
    out.push(
      text(
        x0,
        y + 15,
        label,
        `font-size="11" fill="${kind === 'floor' || kind === 'peer' ? '#555' : '#111'}"`,
      ),
    )
    const v = stat(c)
    if (!(v > 0)) {
      const why = c?.skipped ? 'unavailable' : c?.error ? 'error' : 'not run'
      out.push(
        text(x0 + LABEL_W + 4, y + 15, why, 'font-size="10" fill="#999" font-style="italic"'),
      )
      return
    }
    const xLo = x0 + LABEL_W
    const xv = Math.max(xLo + 1, scale(v))
    out.push(
      `<rect x="${xLo}" y="${y + 4}" width="${(xv - xLo).toFixed(1)}" height="${ROW - 8}" fill="${COLORS[kind]}"><title>${xmlEscape(`${c.label}: ${fmtValue(v, unit)}`)}</title></rect>`,
    )
    let xText = xv
    const p99 = whisker ? stat(c, 'p99') : undefined
    if (p99 > v) {
      const xp = scale(p99)
      out.push(
        `<line x1="${xv.toFixed(1)}" y1="${y + ROW / 2}" x2="${xp.toFixed(1)}" y2="${y + ROW / 2}" stroke="#333"/><line x1="${xp.toFixed(1)}" y1="${y + 7}" x2="${xp.toFixed(1)}" y2="${y + ROW - 7}" stroke="#333"/>`,
      )
      xText = xp
    }
    out.push(text(xText + 4, y + 15, fmtValue(v, unit), 'font-size="10" fill="#222"'))
  })
  return { svg: out.join('\n'), height: bottom + 18 - y0 }
}

export function renderChart(results) {
  const index = caseIndex(results)
  const y0 = 66
  const a = panel(index, STARTUP_ROWS, {
    title: 'Cold start, p50 (whisker: p99), log scale',
    unit: 'ms',
    x0: 16,
    y0,
    whisker: true,
  })
  const b = panel(index, MEMORY_ROWS, {
    title: 'Memory per idle sandbox, log scale',
    unit: 'KiB',
    x0: 16 + PANEL_W + 20,
    y0,
  })
  const width = 16 + 2 * PANEL_W + 40
  const height = y0 + Math.max(a.height, b.height) + 10
  const subtitle = `${results.meta.date.slice(0, 10)} · ${results.meta.machine.cpus} CPUs · node ${results.meta.machine.versions.node}${results.meta.quick ? ' · QUICK SMOKE RUN' : ''} · grey: floors (raw libraries), sand: peers`
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
${text(16, 20, 'sandtier: start-up and memory per tier, beside the raw libraries (same run)', 'font-weight="bold" font-size="15"')}
${text(16, 40, subtitle, 'font-size="10" fill="#666"')}
${a.svg}
${b.svg}
</svg>
`
}
