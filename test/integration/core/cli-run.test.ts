import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const bin = fileURLToPath(new URL('../../../bin/sandtier.js', import.meta.url))

interface CliRun {
  code: number | null
  stdout: string
  stderr: string
  /** When the first stdout bytes arrived and when the process ended, ms after spawn. */
  firstStdoutMs: number
  exitMs: number
}

function cli(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let firstStdoutMs = Infinity
    child.stdout.on('data', (data: Buffer) => {
      firstStdoutMs = Math.min(firstStdoutMs, performance.now() - started)
      stdout += data.toString()
    })
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()))
    child.on('error', reject)
    child.on('close', (code) =>
      resolve({ code, stdout, stderr, firstStdoutMs, exitMs: performance.now() - started }),
    )
  })
}

describe('sandtier run (issue 14: output as it comes)', () => {
  it('prints a container run’s output while it runs, then exits with the run’s status', async () => {
    const r = await cli([
      'run',
      '--tier',
      'docker',
      '--lang',
      'shell',
      '-e',
      'echo first; sleep 1; echo second; echo oops >&2; exit 3',
    ])
    expect(r.stdout).toBe('first\nsecond\n')
    expect(r.stderr).toMatch(/^oops\nsandtier: error on docker/)
    // A command's own exit status is the CLI's (exit-codes.ts).
    expect(r.code).toBe(3)
    // "first" was on the terminal about a second before the process ended.
    expect(r.exitMs - r.firstStdoutMs).toBeGreaterThan(700)
  })

  it('prints a quickjs run’s output and its value, each once', async () => {
    const r = await cli(['run', '-e', 'console.log("hi"); console.error("warn"); 6 * 7'])
    expect(r).toMatchObject({ code: 0, stdout: 'hi\n42\n', stderr: 'warn\n' })
  })

  it('--json prints only the whole result at the end', async () => {
    const r = await cli(['run', '--json', '-e', 'console.log("hi"); 1'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'ok', stdout: 'hi\n', value: 1 })
  })
})
