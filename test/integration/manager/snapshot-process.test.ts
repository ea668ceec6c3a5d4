/**
 * Issue 19: a snapshot restores in another process of the same version (I19-15): the bytes go to a file,
 * and a child node process whose manager has the same snapshotKey restores them and runs on them. The
 * child loads the built package (dist/), as an application would.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'

const KEY = 'process-restore-key-'.repeat(2)
const manager = new SandboxManager({ snapshotKey: KEY })
afterAll(async () => {
  await manager.close()
})

const DIST = pathToFileURL(join(process.cwd(), 'dist/index.js')).href

const CHILD = `
import { readFileSync } from 'node:fs'
const { SandboxManager } = await import(process.env.SANDTIER_DIST)
const manager = new SandboxManager({ snapshotKey: process.env.SNAPSHOT_KEY })
try {
  const sb = await manager.restore(readFileSync(process.env.SNAPSHOT_FILE))
  const result = await sb.execute("[greeting, require('fs').readFileSync('note.txt', 'utf8'), counter()]")
  process.stdout.write(JSON.stringify({ status: result.status, value: result.value }))
} catch (err) {
  process.stdout.write(JSON.stringify({ error: err.code + ' ' + err.reason }))
} finally {
  await manager.close()
}
`

async function restoreInChild(file: string, key: string): Promise<unknown> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', CHILD],
    {
      env: { ...process.env, SANDTIER_DIST: DIST, SNAPSHOT_KEY: key, SNAPSHOT_FILE: file },
      timeout: 60_000,
    },
  )
  return JSON.parse(stdout) as unknown
}

describe('I19-15: restore in another process', () => {
  it('a snapshot written to disk restores in a child process with the same key, and only with it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandtier-snapshot-'))
    try {
      const sb = await manager.create({ type: 'quickjs' })
      await sb.execute(
        `globalThis.greeting = 'hello'; let n = 0; globalThis.counter = () => ++n; counter(); require('fs').writeFileSync('note.txt', 'from the parent')`,
      )
      const file = join(dir, 'state.snap')
      await writeFile(file, await sb.snapshot())
      await sb.destroy()
      expect(await restoreInChild(file, KEY)).toEqual({
        status: 'ok',
        value: ['hello', 'from the parent', 2],
      })
      expect(await restoreInChild(file, 'another-key-of-enough-length-xxxxx')).toEqual({
        error: 'ERR_SNAPSHOT foreign-key',
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
