/**
 * Issue 14 finding 2: code written for Node runs on the quickjs tier as it runs on Node. A differential
 * corpus: every snippet of the public `30-seconds-of-code` npm package (1.2.3, CC0, a devDependency; its
 * README documents each snippet with example calls and their results as comments) becomes one program, the
 * snippet followed by its examples with each documented call printed by console.log. Each program runs on
 * plain Node (node:vm, see node-compat-harness.ts) and on the quickjs tier; stdout, stderr (stack frames
 * aside) and the verdict must agree, except for the programs listed in DIFFERENT, each with its reason.
 *
 * Nothing of the package is copied here: the programs are made from node_modules at test time.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { parse } from 'acorn'
import { describe, expect, it } from 'vitest'
import {
  normalize,
  runOnNode,
  runOnQuickJs,
  sameOutcome,
  type Outcome,
} from './node-compat-harness.js'
import { useFileManager } from '../../fixtures/sandtier.js'

interface Program {
  id: string
  code: string
}

/** Snippets that need a browser (a DOM, window) or Node's own modules: not programs for either side. */
const NEEDS_HOST =
  /\b(?:document|window|navigator|location|localStorage|sessionStorage|XMLHttpRequest|HTMLElement|Element|requestAnimationFrame|MutationObserver|getComputedStyle|require|process|Buffer|__dirname)\b/

/**
 * Programs whose outcome differs, and why. Each difference is one of the documented ones (docs/tiers.md,
 * "What the quickjs tier provides").
 */
const RANDOM = 'prints Math.random or crypto output, which differs from run to run on any engine'
const TIMING = "prints which function measured faster, which varies with the machine's load on any engine"
/** Differences that may agree by chance in a given run. */
const VARIES = new Set([RANDOM, TIMING])
const DIFFERENT: Record<string, string> = {
  sample: RANDOM,
  sampleSize: RANDOM,
  shuffle: RANDOM,
  randomIntArrayInRange: RANDOM,
  randomIntegerInRange: RANDOM,
  randomNumberInRange: RANDOM,
  randomHexColorCode: RANDOM,
  UUIDGeneratorBrowser: RANDOM,
  hz: 'prints a speed: QuickJS interprets, V8 compiles',
  mostPerformant: TIMING,
  timeTaken: 'prints an elapsed time: Node has sub-millisecond clocks, the guest clock is Date.now',
  delay:
    "prints setTimeout's return value: a Timeout object on Node, a number on quickjs (as in browsers)",
  toCurrency: 'uses Intl.NumberFormat: QuickJS has no Intl (a ReferenceError)',
  toDecimalMark: "uses toLocaleString('en-US'): without Intl, QuickJS ignores the locale",
}

/** The snippets of the package's README: '### name', then the snippet's code block and its examples'. */
function loadPrograms(): { programs: Program[]; skipped: string[] } {
  const require = createRequire(import.meta.url)
  const root = dirname(require.resolve('30-seconds-of-code/package.json'))
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const programs: Program[] = []
  const skipped: string[] = []
  for (const section of readme.split(/^### /m).slice(1)) {
    const id = (section.split('\n')[0] ?? '').replace(/!\[.*$/, '').trim()
    const blocks = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')
    const [snippet, examples] = blocks
    if (snippet === undefined || examples === undefined) continue
    if (NEEDS_HOST.test(snippet + examples)) {
      skipped.push(id)
      continue
    }
    programs.push({ id, code: `${snippet}\n${printDocumented(examples)}` })
  }
  return { programs, skipped }
}

/**
 * The examples with each top-level expression statement that documents its result ('call(); // result')
 * wrapped in console.log, so the program prints what the README says it returns.
 */
function printDocumented(examples: string): string {
  let program
  try {
    program = parse(examples, { ecmaVersion: 'latest', sourceType: 'script' })
  } catch {
    return examples
  }
  let out = ''
  let at = 0
  for (const node of program.body) {
    if (node.type !== 'ExpressionStatement') continue
    const lineEnd = examples.indexOf('\n', node.end)
    const rest = examples.slice(node.end, lineEnd < 0 ? examples.length : lineEnd)
    const expression = node.expression
    const isConsole =
      expression.type === 'CallExpression' &&
      expression.callee.type === 'MemberExpression' &&
      expression.callee.object.type === 'Identifier' &&
      expression.callee.object.name === 'console'
    if (!/^\s*\/\//.test(rest) || isConsole || expression.type === 'AssignmentExpression') continue
    out += `${examples.slice(at, node.start)}console.log(${examples.slice(expression.start, expression.end)});`
    at = node.end
  }
  return out + examples.slice(at)
}

const { programs, skipped } = loadPrograms()
const { manager } = useFileManager({ tiers: { quickjs: { workers: 2, spareWorkers: 1 } } })

function show(name: string, o: Outcome): string {
  return `--- ${name} [${o.verdict}]\n${normalize(o.stdout)}${o.stderr ? `[stderr]\n${normalize(o.stderr)}` : ''}`
}

describe('I14-2: the 30-seconds-of-code corpus runs alike on Node and on quickjs', () => {
  it('has a few hundred programs', () => {
    expect(programs.length).toBeGreaterThan(250)
    // The browser-only and Node-module snippets are left out, by name: none is silently dropped.
    expect(programs.length + skipped.length).toBeGreaterThan(330)
  })

  it(
    'stdout, stderr and verdict agree for every program not in DIFFERENT',
    { timeout: 600_000 },
    async () => {
      const disagreements: string[] = []
      const agreedAnyway: string[] = []
      for (const { id, code } of programs) {
        const [node, quickjs] = [await runOnNode(code), await runOnQuickJs(manager, code)]
        const same = sameOutcome(node, quickjs)
        // Random or timed output may agree by chance; any other listed difference must still differ.
        if (same && id in DIFFERENT && !VARIES.has(DIFFERENT[id] ?? '')) agreedAnyway.push(id)
        if (!same && !(id in DIFFERENT))
          disagreements.push(`=== ${id}\n${code}\n${show('node', node)}${show('quickjs', quickjs)}`)
      }
      const agreed = programs.length - disagreements.length - Object.keys(DIFFERENT).length
      console.log(
        `corpus: ${programs.length} programs, ${skipped.length} left out (browser or Node modules), ` +
          `${agreed + agreedAnyway.length} agree, ${Object.keys(DIFFERENT).length} explained differences`,
      )
      if (disagreements.length > 0)
        writeFileSync(process.env.CORPUS_REPORT ?? '/dev/null', disagreements.join('\n'))
      expect(disagreements.join('\n')).toBe('')
      // An explained difference that no longer differs is taken off the list.
      expect(agreedAnyway).toEqual([])
    },
  )
})
