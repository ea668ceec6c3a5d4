// Set up once, fork per request; keep a session across a process restart. A quickjs sandbox loads a small
// "library", each request gets a fork (an independent copy), and the set-up is saved as signed bytes that
// a manager with the same snapshotKey restores (here the same process; another process works alike).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { SandboxManager, SnapshotError } from 'sandtier'

const snapshotKey = randomBytes(32) // share it (e.g. from a secret store) with the processes that restore
const manager = new SandboxManager({ snapshotKey })
try {
  const template = await manager.create({ type: 'quickjs' })
  await template.execute(
    `globalThis.price = (items) => items.reduce((sum, i) => sum + i.qty * i.unit, 0)`,
  )
  await template.writeFile('rates.json', '{"vat":0.2}')

  // One fork per request: what a request does stays in its fork.
  for (const items of [[{ qty: 2, unit: 5 }], [{ qty: 1, unit: 40 }]]) {
    const fork = await template.fork()
    const r = await fork.execute({
      code: `const { vat } = JSON.parse(require('fs').readFileSync('rates.json', 'utf8')); price(input) * (1 + vat)`,
      input: items,
    })
    console.log('total', r.value)
    await fork.destroy()
  }

  // The template's state as bytes: write them to disk, restore them later or elsewhere.
  const bytes = await template.snapshot()
  const restored = await manager.restore(bytes)
  assert.equal((await restored.execute('price([{ qty: 3, unit: 3 }])')).value, 9)
  console.log('snapshot bytes', bytes.length)

  // An edited snapshot is refused.
  const edited = bytes.slice()
  edited[edited.length - 1] ^= 1
  await assert.rejects(
    manager.restore(edited),
    (e) => e instanceof SnapshotError && e.reason === 'tampered',
  )
} finally {
  await manager.close()
}
