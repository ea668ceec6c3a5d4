// One-shot evaluation: run() picks the lightest tier that can run the code, and the result says where it
// ran and what it used. Run with `node docs/examples/one-shot.mjs` after `npm run build`.
import assert from 'node:assert/strict'
import { run } from 'sandtier'

const r = await run('const xs = input.xs.map((x) => x * x); xs.reduce((a, b) => a + b, 0)', {
  input: { xs: [1, 2, 3] },
})
assert.equal(r.status, 'ok')
assert.equal(r.value, 14)
assert.equal(r.tier, 'quickjs')
console.log(`value ${r.value} on ${r.tier} in ${r.durationMs.toFixed(1)} ms`)

// A limit is an outcome, not an exception: the run ends with a status and an error naming the limit.
const loop = await run('for (;;) {}', { limits: { executionTime: 200 }, type: 'quickjs' })
assert.equal(loop.status, 'timeout')
console.log(`${loop.status}: ${loop.error.message}`)
// No close() needed: nothing idle keeps the process alive.
