/** Command-line options and the two presets: the full run (`npm run bench`) and the smoke run (`--quick`). */
export const TIER_IDS = ['quickjs', 'wasm', 'docker', 'gvisor']
export const SECTION_IDS = [
  'startup',
  'first-use',
  'containers',
  'cpu',
  'throughput',
  'memory',
  'escalation',
  'hedge',
  'neighbours',
  'snapshot',
  'python',
  'runner',
  'corpus',
  'micro',
]

const USAGE = `usage: node bench/run.js [--quick] [--tiers quickjs,wasm,docker,gvisor] [--sections ${SECTION_IDS.join(',')}]
                         [--out DIR] [--no-report] [--from results/FILE.json]
  --quick     smoke run: few samples, small workloads, a few seconds per section; writes to a temp dir
  --tiers     our tiers to measure (their floors follow them); default: all
  --sections  sections to run; default: all
  --out DIR   where results/ and REPORT.md go (default: bench/ for a full run, a temp dir for --quick)
  --no-report JSON only (no REPORT.md, no chart)
  --from FILE no measuring: rewrite REPORT.md and chart.svg from a results JSON (next to its results/ dir)`

/** Rough seconds per tick of each section (full preset), to weight the progress bar and its ETA. */
export const SECONDS_PER_TICK = {
  startup: 0.01,
  'first-use': 1.5,
  containers: 0.7,
  cpu: 0.4,
  throughput: 2.3,
  memory: 4,
  escalation: 1.5,
  hedge: 0.5,
  neighbours: 0.8,
  snapshot: 0.02,
  python: 0.05,
  runner: 0.25,
  corpus: 0.35,
  micro: 4,
}

/** Sample counts and workload sizes. Full mirrors PERF-FLOORS (300 in-process rounds, 30 docker rounds). */
export const PRESETS = {
  full: {
    startup: { rounds: 300, warmup: 20, compileEvery: 15, backToBack: 1000 },
    firstUse: { rounds: 10 },
    containers: { rounds: 30, warmup: 3 },
    cpu: {
      reps: 10,
      warmup: 2,
      fibN: 30,
      jsonItems: 2000,
      jsonReps: 5,
      strChars: 20000,
      strReps: 20,
    },
    throughput: { concurrency: [1, 8, 32], durationMs: 2000, rounds: 3 },
    memory: { n: 100, workerN: 10, rounds: 3, settleTries: 40 },
    containerMemory: { n: 10, rounds: 2, settleMs: 5000 },
    escalation: { fibNs: [32, 35], reps: 3 },
    // 12 rounds × blocks of 250: 3000 samples per neighbour figure; a flood keeps 200 runs queued
    neighbours: {
      rounds: 12,
      block: 250,
      blockWarmup: 20,
      depth: 200,
      settleRuns: 10,
      floodMs: 1000,
      replRounds: 2000,
      replWarmup: 100,
    },
    snapshot: { rounds: 300, warmup: 20 },
    python: { rounds: 100, warmup: 5, idleSandboxes: 20 },
    // issue 15: 100 samples per runner figure (the session one: 100 executes after one import)
    runner: { rounds: 100, warmup: 5 },
    corpus: { programs: 150 },
    // benchmark.js: each operation sampled for 3 s (at least 20 cycles)
    micro: { maxTime: 3, minSamples: 20, warmup: 50 },
  },
  quick: {
    startup: { rounds: 10, warmup: 2, compileEvery: 10, backToBack: 100 },
    firstUse: { rounds: 1 },
    containers: { rounds: 1, warmup: 0 },
    cpu: { reps: 1, warmup: 0, fibN: 18, jsonItems: 100, jsonReps: 1, strChars: 1000, strReps: 1 },
    throughput: { concurrency: [1, 2], durationMs: 150, rounds: 1 },
    memory: { n: 5, workerN: 2, rounds: 1, settleTries: 6 },
    containerMemory: { n: 1, rounds: 1, settleMs: 500 },
    escalation: { fibNs: [18], reps: 1 },
    neighbours: {
      rounds: 1,
      block: 100,
      blockWarmup: 10,
      depth: 200,
      settleRuns: 5,
      floodMs: 250,
      replRounds: 100,
      replWarmup: 10,
    },
    snapshot: { rounds: 20, warmup: 3 },
    python: { rounds: 5, warmup: 1, idleSandboxes: 3 },
    runner: { rounds: 3, warmup: 1 },
    corpus: { programs: 6 },
    micro: { maxTime: 0.2, minSamples: 5, warmup: 10 },
  },
}

function list(value, allowed, flag) {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const bad = items.filter((s) => !allowed.includes(s))
  if (bad.length)
    throw new Error(`${flag}: unknown ${bad.join(', ')} (expected some of ${allowed.join(', ')})`)
  return items
}

/** Parses argv; throws with the usage text on a bad flag. */
export function parseArgs(argv) {
  const opts = {
    quick: false,
    tiers: [...TIER_IDS],
    sections: [...SECTION_IDS],
    out: undefined,
    report: true,
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined]
    const value = () => inline ?? argv[++i] ?? ''
    if (flag === '--quick') opts.quick = true
    else if (flag === '--tiers') opts.tiers = list(value(), TIER_IDS, '--tiers')
    else if (flag === '--sections') opts.sections = list(value(), SECTION_IDS, '--sections')
    else if (flag === '--out') opts.out = value()
    else if (flag === '--no-report') opts.report = false
    else if (flag === '--from') opts.from = value()
    else if (flag === '--help' || flag === '-h') opts.help = USAGE
    else throw new Error(`unknown argument ${arg}\n${USAGE}`)
  }
  opts.preset = PRESETS[opts.quick ? 'quick' : 'full']
  return opts
}
