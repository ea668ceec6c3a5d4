import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// The examples in docs/examples and the README's code blocks run as a user would run them (importing the
// built package by its name), so they cannot rot: each checks its own results with node:assert.
const repo = fileURLToPath(new URL('../../../', import.meta.url))
const examples = fileURLToPath(new URL('../../../docs/examples/', import.meta.url))
const execFileAsync = promisify(execFile)

function node(args: string[]) {
  return execFileAsync(process.execPath, args, { cwd: repo, timeout: 90_000 })
}

/** The README's TypeScript/JavaScript blocks that use the package. */
function readmeBlocks(): string[] {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
  return [...readme.matchAll(/```(?:ts|js)\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .filter((code) => code.includes("from 'sandtier'"))
}

describe('docs examples run (issue 14)', () => {
  const files = readdirSync(examples).filter((f) => f.endsWith('.mjs'))

  it('there is one example per use', () => {
    expect(files.sort()).toEqual(
      expect.arrayContaining(['agent-repl.mjs', 'files.mjs', 'one-shot.mjs', 'streaming.mjs']),
    )
  })

  it.each(files)('docs/examples/%s exits 0 and prints', async (file) => {
    const { stdout } = await node([`${examples}${file}`])
    expect(stdout.length).toBeGreaterThan(0)
  })

  it("the README's usage blocks run as written", async () => {
    const blocks = readmeBlocks()
    expect(blocks.length).toBeGreaterThan(0)
    for (const code of blocks) await node(['--input-type=module', '-e', code])
  })
})
