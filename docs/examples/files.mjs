// Files in and out: put a file in a sandbox's folder, run code that reads it and writes under out/, and get
// what the run wrote back in result.files (path, size, MIME type, bytes). Needs the Docker engine for python
// (`bash scripts/engine-up.sh`); the same calls work on quickjs (its in-memory folder) and wasm (WASI).
import assert from 'node:assert/strict'
import { SandboxManager } from 'sandtier'

const manager = new SandboxManager()
const sandbox = await manager.create({ type: 'docker', language: 'python' })
try {
  await sandbox.writeFile('data/sales.csv', 'region,amount\nnorth,120\nsouth,80\nnorth,30\n')
  const result = await sandbox.execute({
    code: `
import csv, json, os
totals = {}
for row in csv.DictReader(open('data/sales.csv')):
    totals[row['region']] = totals.get(row['region'], 0) + int(row['amount'])
os.makedirs('out', exist_ok=True)
json.dump(totals, open('out/totals.json', 'w'))
totals`,
    // Files can also come with the request: written before the run, kept after it.
    files: { 'data/note.txt': 'sales of the week' },
  })
  assert.equal(result.status, 'ok')
  assert.deepEqual(result.value, { north: 150, south: 80 })
  const [file] = result.files
  assert.equal(file.path, 'out/totals.json')
  assert.equal(file.mimeType, 'application/json')
  console.log(file.path, file.size, 'bytes:', Buffer.from(file.bytes).toString())

  const listing = await sandbox.listFiles('data')
  console.log(listing.map((entry) => `${entry.kind} ${entry.path} ${entry.size}`).join('\n'))
  assert.deepEqual(listing.map((entry) => entry.path).sort(), ['data/note.txt', 'data/sales.csv'])
  assert.equal(
    Buffer.from(await sandbox.readFile('out/totals.json')).toString(),
    '{"north": 150, "south": 80}',
  )
  await sandbox.removeFile('data')
  const left = await sandbox.listFiles('.')
  assert.deepEqual(
    left.map((entry) => entry.path),
    ['out', 'out/totals.json'],
  )
} finally {
  await sandbox.destroy()
  await manager.close()
}
