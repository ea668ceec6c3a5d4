/**
 * The fixed CPU workloads, as JavaScript source whose completion value is the result (REPL semantics, so the
 * same text runs on every tier and in every floor), and the AssemblyScript fib for the wasm tier.
 * Style: everything is closure-local ("closure" style). In node:vm, functions declared as globals of the
 * context run ~29× slower (PERF-FLOORS surprise 1); the node:vm rows state which style they use.
 */

const fibSource = (n, style) =>
  style === 'global'
    ? `function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }\nfib(${n})`
    : `(() => { function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } return fib(${n}) })()`

const jsonSource = (items, reps) => `(() => {
  const a = []
  for (let i = 0; i < ${items}; i++) a.push({ id: i, name: 'item' + i, tags: ['x', 'y', String(i % 7)], nested: { a: i, b: [i, i + 1, i * 2] } })
  let s = 0
  for (let k = 0; k < ${reps}; k++) { const t = JSON.stringify(a); s += JSON.parse(t).length + t.length }
  return s
})()`

const stringSource = (chars, reps) => `(() => {
  let s = ''
  for (let i = 0; i < ${chars}; i++) s += String.fromCharCode(97 + ((i * 7) % 26))
  let n = 0
  for (let k = 0; k < ${reps}; k++) {
    const w = s.split('a').map((p) => p.split('').reverse().join('')).join('-')
    n += w.replace(/[bcd]+/g, 'X').toUpperCase().indexOf('Z', k) + w.length
  }
  return n
})()`

/** [{ id, label, source, globalSource?, expected }] sized by the preset. */
export function workloads(p) {
  const list = [
    {
      id: 'fib',
      label: `recursive fib(${p.fibN})`,
      source: fibSource(p.fibN),
      globalSource: fibSource(p.fibN, 'global'),
    },
    {
      id: 'json',
      label: `JSON: ${p.jsonItems} objects, stringify+parse ×${p.jsonReps}`,
      source: jsonSource(p.jsonItems, p.jsonReps),
    },
    {
      id: 'string',
      label: `strings: ${p.strChars} chars, split/reverse/join/regex ×${p.strReps}`,
      source: stringSource(p.strChars, p.strReps),
    },
  ]
  // The expected value, computed by plain node: every sandboxed run is checked against it.
  for (const w of list) w.expected = new Function(`return ${w.source}`)()
  return list
}

export const FIB_SOURCE = fibSource

/** AssemblyScript: fib for the wasm tier (called as fn 'fib') and add for the instantiate floor. */
export const AS_FIB = `export function fib(n: i32): i32 { return n < 2 ? n : fib(n - 1) + fib(n - 2) }
export function add(a: i32, b: i32): i32 { return a + b }
`

/**
 * Plain node's reference: the workload compiled once and called again each round (warm JIT, as in
 * PERF-FLOORS). Every ratio divides by it, so each sample is the median of `inner` back-to-back calls.
 */
export function plainNode(source, inner = 1) {
  const fn = new Function(`return ${source}`)
  return () => {
    const times = []
    let value
    for (let i = 0; i < inner; i++) {
      const t0 = performance.now()
      value = fn()
      times.push(performance.now() - t0)
    }
    times.sort((a, b) => a - b)
    return { ms: times[Math.floor(times.length / 2)], value }
  }
}
