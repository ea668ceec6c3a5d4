/**
 * Issue 14 finding 2: the quickjs tier's console is Node's. Each method and format specifier is checked
 * against what Node itself prints for the same call (util.format / util.inspect in this process, or exact
 * text where Node's output is fixed); then the bounds: a huge object costs the output room, not its size,
 * no getter is called, and a guest that replaced built-ins changes nothing the console prints.
 */
import { format, inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { useFileManager } from '../../fixtures/sandtier.js'

const { runOnce } = useFileManager()

/** Values built from the same source on the guest and here. */
const VALUES = `[
  'str', 42.5, -0, 7n, Symbol('s'), null, undefined, true, [1, 'two', [3, [4, [5]]]],
  { a: 1, 'b-c': { d: { e: { f: 1 } } }, $g: 'q\\'uote', [Symbol('k')]: 2 },
  new Map([['a', 1], [{ o: 1 }, new Set([1, 2])]]), new Set(['x']), Object.create(null),
  Object.assign(Object.create(null), { n: 1 }), new (class Foo { constructor() { this.a = 1 } })(),
  [1, , 3], new Array(5), Array.from({ length: 130 }, (_, i) => i), 'x'.repeat(30).split(''),
  /re+/gi, new Date(0), new Date(NaN), function named() {}, () => {}, class Bar extends Array {},
  async function af() {}, new Uint8Array([1, 2]), new ArrayBuffer(3), new Number(3), new String('s'),
  { get g() { return 1 }, set s(v) {}, get gs() { return 1 }, set gs(v) {} }, new WeakMap(),
  Promise.resolve(4), new Promise(() => {}), { long: 'y'.repeat(100), more: ['z'.repeat(40), 'w'.repeat(40)] },
  'multi\\nline string that is long enough to be split by the inspector when it is nested in an array',
]`

// eslint-disable-next-line @typescript-eslint/no-implied-eval
const hostValues = (): unknown[] => new Function(`return ${VALUES}`)() as unknown[]

describe('I14-2: console output is what Node prints', () => {
  it('each value as console.log shows it alone (util.format: strings raw, the rest inspected)', async () => {
    const r = await runOnce(`for (const v of ${VALUES}) console.log(v)`)
    expect(r.status).toBe('ok')
    expect(r.stdout).toBe(
      hostValues()
        .map((v) => `${format(v)}\n`)
        .join(''),
    )
  })

  it('the same values nested in an array and an object', async () => {
    const r = await runOnce(`const vs = ${VALUES}; console.log(vs); console.log({ vs })`)
    const vs = hostValues()
    expect(r.stdout).toBe(`${inspect(vs)}\n${inspect({ vs })}\n`)
  })

  it.each([
    [
      "'%s|%d|%i|%f|%j|%o|%O|%c|%%|%x', 'str', 42.5, 42.5, '3.5', { a: 1 }, { a: [1] }, { b: 2 }, 'css', 'extra', 1",
    ],
    ["'%s', { a: { b: { c: 1 } } }, '%s', [1, [2, [3]]]"],
    ["'%s', new Error('E1').message, new (class Q { toString() { return 'TS' } })()"],
    ["'a%', 1, '%s'"],
    ["'%s %s', 'only'"],
    ["'%d', '0x10', '%i', ''"],
    ["'%d %i %f', 5n, 7n, 'abc'"],
    ["'%i %f %d', 3.9, '2.5e3', {}"],
    ["'%s', -0, 'tail', -0"],
    ["'no specifiers', { a: [1, 2] }, 'x'"],
    ["'%o', [1, { a: 'b' }]"],
    ['1, 2, 3'],
    [''],
  ])('console.log(%s) formats as util.format', async (args) => {
    const r = await runOnce(`console.log(${args})`)
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const expected = format(...(new Function(`return [${args}]`)() as unknown[]))
    expect(r.stdout).toBe(`${expected}\n`)
  })

  it('log, info, debug, dirxml and table go to stdout; warn, error, trace and assert to stderr', async () => {
    const r = await runOnce(
      "console.log('l'); console.info('i'); console.debug('d'); console.dirxml('x', [1]); console.warn('w'); console.error('e', { a: 1 }); console.assert(1 === 1, 'never'); console.assert(false, 'bad %s', 'thing'); console.assert(false); console.assert(0, { o: 1 })",
    )
    expect(r.stdout).toBe('l\ni\nd\nx [ 1 ]\n')
    expect(r.stderr).toBe(
      'w\ne { a: 1 }\nAssertion failed: bad thing\nAssertion failed\nAssertion failed: [object Object]\n',
    )
  })

  it('count and countReset print "label: n"; an unknown label warns on stderr', async () => {
    const r = await runOnce(
      "console.count(); console.count(); console.count('x'); console.countReset(); console.count(); console.countReset('nope')",
    )
    expect(r.stdout).toBe('default: 1\ndefault: 2\nx: 1\ndefault: 1\n')
    expect(r.stderr).toBe("Warning: Count for 'nope' does not exist\n")
  })

  it('group and groupCollapsed indent by 2 spaces, every line of an entry; groupEnd goes back', async () => {
    const r = await runOnce(
      "console.group('G1'); console.log('in1'); console.groupCollapsed(); console.log('in2\\nline', { a: 1 }); console.error('err'); console.groupEnd(); console.groupEnd(); console.groupEnd(); console.log('out')",
    )
    expect(r.stdout).toBe('G1\n  in1\n    in2\n    line { a: 1 }\nout\n')
    expect(r.stderr).toBe('    err\n')
  })

  it('dir shows strings quoted and honours depth; clear does nothing', async () => {
    const r = await runOnce(
      "console.dir('s'); console.dir({ a: { b: { c: { d: 1 } } } }, { depth: 0 }); console.dir({ a: { b: { c: { d: 1 } } } }, { depth: null }); console.clear()",
    )
    expect(r.stdout).toBe(
      `'s'\n${inspect({ a: { b: { c: { d: 1 } } } }, { depth: 0 })}\n${inspect({ a: { b: { c: { d: 1 } } } }, { depth: null })}\n`,
    )
  })

  it('table draws arrays of objects, arrays of arrays, objects, Maps and Sets as Node does', async () => {
    const r = await runOnce(
      "console.table([{ a: 1, b: 'x' }, { a: 2, c: true }]); console.table([[1, 2], [3, 4, 5]]); console.table({ r1: { c: 1 }, r2: { c: 2 } }); console.table([1, 'two', { three: 3 }]); console.table([{ a: 1, b: 2 }], ['a']); console.table(new Map([['k', { v: 1 }]])); console.table(new Set(['s'])); console.table('notobj')",
    )
    expect(r.stdout).toBe(
      [
        '┌─────────┬───┬─────┬──────┐',
        '│ (index) │ a │ b   │ c    │',
        '├─────────┼───┼─────┼──────┤',
        "│ 0       │ 1 │ 'x' │      │",
        '│ 1       │ 2 │     │ true │',
        '└─────────┴───┴─────┴──────┘',
        '┌─────────┬───┬───┬───┐',
        '│ (index) │ 0 │ 1 │ 2 │',
        '├─────────┼───┼───┼───┤',
        '│ 0       │ 1 │ 2 │   │',
        '│ 1       │ 3 │ 4 │ 5 │',
        '└─────────┴───┴───┴───┘',
        '┌─────────┬───┐',
        '│ (index) │ c │',
        '├─────────┼───┤',
        '│ r1      │ 1 │',
        '│ r2      │ 2 │',
        '└─────────┴───┘',
        '┌─────────┬───────┬────────┐',
        '│ (index) │ three │ Values │',
        '├─────────┼───────┼────────┤',
        '│ 0       │       │ 1      │',
        "│ 1       │       │ 'two'  │",
        '│ 2       │ 3     │        │',
        '└─────────┴───────┴────────┘',
        '┌─────────┬───┐',
        '│ (index) │ a │',
        '├─────────┼───┤',
        '│ 0       │ 1 │',
        '└─────────┴───┘',
        '┌───────────────────┬─────┬──────────┐',
        '│ (iteration index) │ Key │ Values   │',
        '├───────────────────┼─────┼──────────┤',
        "│ 0                 │ 'k' │ { v: 1 } │",
        '└───────────────────┴─────┴──────────┘',
        '┌───────────────────┬────────┐',
        '│ (iteration index) │ Values │',
        '├───────────────────┼────────┤',
        "│ 0                 │ 's'    │",
        '└───────────────────┴────────┘',
        'notobj',
        '',
      ].join('\n'),
    )
  })

  it('time, timeLog and timeEnd print "label: Nms"; unknown and repeated labels warn', async () => {
    const r = await runOnce(
      "console.time(); console.time('t'); console.time('t'); console.timeLog('t', 'extra', { a: 1 }); console.timeEnd('t'); console.timeEnd('t'); console.timeLog('nope'); console.timeEnd()",
    )
    expect(r.stdout).toMatch(
      /^t: \d+(\.\d+)?ms extra \{ a: 1 \}\nt: \d+(\.\d+)?ms\ndefault: \d+(\.\d+)?ms\n$/,
    )
    expect(r.stderr).toBe(
      "Warning: Label 't' already exists for console.time()\nWarning: No such label 't' for console.timeEnd()\nWarning: No such label 'nope' for console.timeLog()\n",
    )
  })

  it('trace prints "Trace: message" and the caller\'s frames (QuickJS frames, none of the prelude)', async () => {
    const r = await runOnce(
      "function where() { console.trace('here %d', 5) }\nwhere()\nconsole.trace()",
    )
    expect(r.stderr).toMatch(
      /^Trace: here 5\n {4}at where \(.*\n {4}at <eval> .*\nTrace\n {4}at <eval> .*\n$/,
    )
    expect(r.stderr).not.toContain('sandtier-')
  })

  it('methods work detached from console, as in Node', async () => {
    const r = await runOnce("const { log, table } = console; log('a'); [1, 2].forEach(console.log)")
    expect(r.stdout).toBe('a\n1 0 [ 1, 2 ]\n2 1 [ 1, 2 ]\n')
  })
})

describe('I14-2: the console is bounded and reads no guest getter', () => {
  it('an object of 2·10^5 keys and 100 strings of 9000: output cut at maxOutputBytes, quickly', async () => {
    const started = Date.now()
    const r = await runOnce(
      "const o = {}; for (let i = 0; i < 2e5; i++) o['k' + i] = 'v'.repeat(20); console.dir(o); console.log(Array.from({ length: 100 }, () => 'x'.repeat(9000)))",
      { limits: { maxOutputBytes: 10_000 } },
    )
    expect(r.status).toBe('output')
    expect(r.truncated).toBe(true)
    expect(Buffer.byteLength(r.stdout)).toBe(10_000)
    expect(r.stdout.startsWith("{\n  k0: 'vvvvvvvvvvvvvvvvvvvv',\n  k1:")).toBe(true)
    // Generous: filling the object takes most of it; formatting stops at the room left.
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  it('a string of 2e7 newlines nested in an array is escaped only up to the room', async () => {
    const r = await runOnce("console.log(['\\n'.repeat(2e7)])", {
      limits: { maxOutputBytes: 1000 },
    })
    expect(r.status).toBe('output')
    expect(r.stdout).toBe(inspect(['\n'.repeat(2e7)]).slice(0, 1000))
  })

  it('no getter runs: log, dir, %o, %O, %s, table and errors show [Getter] or skip it', async () => {
    const r = await runOnce(
      `let calls = 0
      const o = { get g() { calls++; return 1 }, plain: 1 }
      class E extends Error { get message() { calls++; return 'm' } }
      Object.defineProperty(Error.prototype, 'name', { get() { calls++; return 'N' } })
      console.log(o, [o], { o }); console.dir(o); console.log('%o %O %s', o, o, o)
      console.table([o]); console.log(new E('x'))
      calls`,
    )
    expect(r.status).toBe('ok')
    expect(r.value).toBe(0)
    expect(r.stdout.split('\n')[0]).toBe(
      '{ g: [Getter], plain: 1 } [ { g: [Getter], plain: 1 } ] { o: { g: [Getter], plain: 1 } }',
    )
  })
})

describe('I14-2: a guest that replaced built-ins does not change what the console prints', () => {
  const PRINT = `console.log('%s=%d', 'n', 5, { a: [1, 'two'], m: new Map([[1, new Set([2])]]), d: new Date(0) }, ['1', '2', '3', '4', '5', '6', '7', '8'], new Error('e').message); console.table([{ a: 1 }]); console.group('g'); console.count(); console.groupEnd()`
  const REWRITES = [
    "Array.prototype.join = () => 'J'",
    "String.prototype.repeat = () => 'R'",
    "Object.keys = () => ['hacked']",
    "Map.prototype.forEach = Map.prototype.entries = () => { throw new Error('map') }",
    "Set.prototype.values = Set.prototype[Symbol.iterator] = () => { throw new Error('set') }",
    'Object.getPrototypeOf(new Map().entries()).next = () => ({ done: true })',
    "Array.prototype.push = Array.prototype.map = () => { throw new Error('push') }",
    "Object.getOwnPropertyDescriptor = () => ({ value: 'x' })",
    "Number.prototype.toString = String.prototype.slice = String.prototype.padStart = () => 'P'",
    "JSON.stringify = Reflect.apply = Function.prototype.call = () => 'S'",
    "Object.defineProperty(Array.prototype, '0', { set() { throw new Error('set0') } })",
    "Object.defineProperty(Object.prototype, 'get', { value: () => 1, writable: true })",
    "Symbol.prototype.toString = Date.prototype.toISOString = () => 'D'",
  ]

  it.each(REWRITES)('%s', async (rewrite) => {
    const clean = await runOnce(PRINT)
    const r = await runOnce(`${rewrite}\n${PRINT}`)
    expect(r.status).toBe('ok')
    expect(clean.stdout).toContain("'1', '2'")
    expect(r.stdout).toBe(clean.stdout)
  })
})
