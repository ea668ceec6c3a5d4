/**
 * Issue 14, finding 1: a process that imports sandtier ends by itself when its work is done. Each public
 * entry point runs in a child process that never closes anything; the child must exit on its own, well
 * before the test's deadline.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const entry = fileURLToPath(new URL('../../../dist/index.js', import.meta.url))

/** Runs `body` as an ES module in a child; resolves with its exit code and output, or 'hung'. */
function runChild(body: string, hangMs: number): Promise<{ code: number | 'hung'; out: string }> {
  const source = `import * as sandtier from ${JSON.stringify(entry)}\n${body}`
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve({ code: 'hung', out })
    }, hangMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, out })
    })
  })
}

describe('I14-1: nothing idle keeps the process alive', () => {
  it.each([
    ['run() on quickjs', "console.log((await sandtier.run('1+1')).value)", '2'],
    [
      'run() of AssemblyScript',
      "console.log((await sandtier.run('export function main(i: string): string { return i + \"!\" }', { language: 'assemblyscript', input: 'a' })).value)",
      '"a"!',
    ],
    [
      'a manager with a live quickjs sandbox, never closed',
      "const m = new sandtier.SandboxManager(); const id = await m.createSandbox({ type: 'quickjs' }); console.log((await m.execute(id, 'globalThis.k = 41; k + 1')).value)",
      '42',
    ],
    [
      'a manager whose sandboxes were all destroyed, never closed',
      "const m = new sandtier.SandboxManager(); const id = await m.createSandbox({ type: 'quickjs' }); await m.execute(id, '1'); await m.destroy(id); const w = await m.createSandbox({ type: 'wasm', language: 'assemblyscript' }); console.log((await m.execute(w, 'export function main(i: string): string { return \"w\" }')).value); await m.destroy(w)",
      'w',
    ],
    [
      // The first call waits for a worker's boot: the wait holds the process (it exited 13 under it before).
      'a script whose first call is a file operation, never closed',
      "const m = new sandtier.SandboxManager(); const sb = await m.create({ type: 'quickjs' }); await sb.writeFile('a.txt', 'x'); console.log(Buffer.from(await sb.readFile('a.txt')).toString())",
      'x',
    ],
  ])('%s: the process exits by itself', async (_name, body, printed) => {
    const r = await runChild(body, 30_000)
    expect({ code: r.code, out: r.out.trim() }).toEqual({ code: 0, out: printed })
  })
})
