// An agent loop with a REPL sandbox: each step's code runs in the same sandbox, so variables persist between
// steps, as in a notebook. The "agent" here is a fixed list of steps; in an agent runtime each step would be
// the model's next tool call, and the result (value, stdout, error) its observation.
import assert from 'node:assert/strict'
import { SandboxManager } from 'sandtier'

const manager = new SandboxManager()
// In TypeScript (or Node ≥ 24), `await using sandbox = await manager.create(...)` destroys it at block end.
const sandbox = await manager.create({ type: 'quickjs', limits: { executionTime: 2000 } })

const steps = [
  'const orders = [{ id: 1, total: 30 }, { id: 2, total: 45 }, { id: 3, total: 25 }]',
  'orders.filter((o) => o.total > 28).map((o) => o.id)',
  'console.log("mean", orders.reduce((s, o) => s + o.total, 0) / orders.length)',
  'orders.missing.total', // a mistake: the observation is the error, and the sandbox lives on
  'orders.length',
]
const observations = []
for (const code of steps) {
  const r = await sandbox.execute(code)
  observations.push(
    r.status === 'ok' ? (r.value ?? r.stdout.trim()) : `${r.error.name}: ${r.error.message}`,
  )
}
assert.deepEqual(observations.slice(1, 3), [[1, 2], 'mean 33.333333333333336'])
assert.match(observations[3], /^TypeError: cannot read property 'total' of undefined/)
assert.equal(observations[4], 3)
for (const o of observations) console.log(JSON.stringify(o))
await sandbox.destroy()
await manager.close()
