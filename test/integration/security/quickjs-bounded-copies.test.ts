/**
 * Issue 12 findings 2 and 3 (and SECURITY-CASES B15, B16): every guest→host copy of the quickjs tier is
 * bounded before it is made. The cases that used to abort the whole Node process run in a child process
 * (built dist/), so a regression fails the test instead of killing the test runner; each child also checks
 * that a sandbox sharing the worker kept its state (the worker was not lost).
 */
import { spawnSync } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { useFileManager } from '../../fixtures/sandtier.js'

const MiB = 1024 * 1024
const DIST = pathToFileURL(
  resolve(dirname(fileURLToPath(import.meta.url)), '../../../dist/index.js'),
).href

interface ChildReport {
  status: string
  code: string | undefined
  truncated: boolean
  outputBytes: number
  hasValue: boolean
  neighbourStatus: string
  neighbourValue: unknown
}

/**
 * Runs `code` once in a child process, on a one-worker manager where another sandbox already holds a
 * global; prints what came back and what that neighbour still sees.
 */
function runInChild(
  code: string,
  config: object,
): { exitCode: number | null; report?: ChildReport } {
  const script = `
    const { SandboxManager } = await import(${JSON.stringify(DIST)})
    const manager = new SandboxManager({ tiers: { quickjs: { workers: 1, spareWorkers: 1 } } })
    const neighbour = await manager.createSandbox({ type: 'quickjs' })
    await manager.execute(neighbour, 'globalThis.kept = 42')
    const r = await manager.runOnce({ type: 'quickjs', ...${JSON.stringify(config)} }, ${JSON.stringify(code)})
    const after = await manager.execute(neighbour, 'kept')
    console.log(JSON.stringify({
      status: r.status, code: r.error?.code, truncated: r.truncated,
      outputBytes: Buffer.byteLength(r.stdout) + Buffer.byteLength(r.stderr),
      hasValue: 'value' in r, neighbourStatus: after.status, neighbourValue: after.value,
    }))
    await manager.close()
  `
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 100_000,
  })
  const line = child.stdout.trim().split('\n').pop()
  return {
    exitCode: child.status,
    report: line ? (JSON.parse(line) as ChildReport) : undefined,
  }
}

describe('I12-2: a huge value or console write ends with output; the host and the worker live on', () => {
  it.each([
    ['a 30M-char string of control characters (primitive path)', "'\\x01'.repeat(3e7)", {}],
    [
      'the same string through the completion path (after an await)',
      "await 0; '\\x01'.repeat(3e7)",
      {},
    ],
    ['the same string inside an object', "({ s: '\\x01'.repeat(3e7) })", {}],
    ["'x'.repeat(1.1e8) at memoryLimit 256 MiB", "'x'.repeat(1.1e8)", { memoryLimit: 256 * MiB }],
  ])('%s → output, child exits 0, neighbour keeps its globals', (_name, code, config) => {
    const { exitCode, report } = runInChild(code, config)
    expect(exitCode).toBe(0)
    expect(report).toMatchObject({
      status: 'output',
      code: 'ERR_OUTPUT',
      hasValue: false,
      neighbourStatus: 'ok',
      neighbourValue: 42,
    })
  })

  it('console.log of 3e8 characters at memoryLimit 1 GiB → output, cut at the cap, child exits 0', () => {
    const { exitCode, report } = runInChild("console.log('x'.repeat(3e8)); 'done'", {
      memoryLimit: 1024 * MiB,
    })
    expect(exitCode).toBe(0)
    expect(report).toMatchObject({
      status: 'output',
      code: 'ERR_OUTPUT',
      truncated: true,
      outputBytes: MiB,
      neighbourStatus: 'ok',
      neighbourValue: 42,
    })
  })
})

const { manager } = useFileManager({ tiers: { quickjs: { workers: 1, spareWorkers: 1 } } })
beforeAll(async () => {
  await manager.runOnce({ type: 'quickjs' }, '1')
})

describe('I12-2: bounded copies in process (B15, B16)', () => {
  it('B15: one console argument of 2e7 characters → output, stdout exactly maxOutputBytes', async () => {
    const r = await manager.runOnce({ type: 'quickjs' }, "console.log('y'.repeat(2e7)); 1")
    expect(r.status).toBe('output')
    expect(r.truncated).toBe(true)
    expect(r.stdout).toBe('y'.repeat(MiB))
  })

  it('console output with multi-byte characters stays within maxOutputBytes', async () => {
    const r = await manager.runOnce(
      { type: 'quickjs', limits: { maxOutputBytes: 1000 } },
      "console.log('€'.repeat(2000))",
    )
    expect(r.status).toBe('output')
    expect(Buffer.byteLength(r.stdout)).toBeLessThanOrEqual(1000)
    expect(r.stdout).toBe('€'.repeat(333))
  })

  it('B16: Array(1e6).fill({a:1}) → output, refused while it is copied', async () => {
    const r = await manager.runOnce({ type: 'quickjs' }, 'Array(1e6).fill({ a: 1 })')
    expect(r.status).toBe('output')
    expect(r.error?.code).toBe('ERR_OUTPUT')
  })

  it('a value just under the cap comes back whole, through the completion path', async () => {
    const r = await manager.runOnce(
      { type: 'quickjs', limits: { maxOutputBytes: 1000 } },
      "await 0; ({ s: 'é'.repeat(490) })",
    )
    expect(r.status).toBe('ok')
    expect(r.value).toEqual({ s: 'é'.repeat(490) })
  })

  it('a value whose UTF-8 JSON is just over the cap → output', async () => {
    const r = await manager.runOnce(
      { type: 'quickjs', limits: { maxOutputBytes: 1000 } },
      "await 0; ({ s: 'é'.repeat(500) })",
    )
    expect(r.status).toBe('output')
  })

  it('an error description is bounded: name 200, message 4096, stack 8192 characters (+ ellipsis)', async () => {
    const r = await manager.runOnce(
      { type: 'quickjs' },
      "const e = new Error('m'.repeat(5e6)); e.name = 'n'.repeat(1e6); e.stack = 's'.repeat(1e6); throw e",
    )
    expect(r.status).toBe('error')
    expect(r.error?.name).toBe(`${'n'.repeat(200)}…`)
    expect(r.error?.message).toBe(`${'m'.repeat(4096)}…`)
    expect(r.error?.stack).toBe(`${'s'.repeat(8192)}…`)
  })

  it('a thrown huge non-error value is bounded too', async () => {
    const r = await manager.runOnce({ type: 'quickjs' }, "throw ['z'.repeat(5e6)]")
    expect(r.status).toBe('error')
    expect(r.error?.message.length).toBeLessThanOrEqual('Uncaught '.length + 4097)
  })
})

describe('I12-3: host-call arguments are bounded per call and in flight', () => {
  it('one call with 17 MiB of arguments → the guest gets a RangeError naming the cap; never called', async () => {
    let calls = 0
    const r = await manager.runOnce(
      { type: 'quickjs', memoryLimit: 256 * MiB, hostFunctions: { sink: () => calls++ } },
      'await sink("x".repeat(17 * 1024 * 1024))',
    )
    expect(r.status).toBe('error')
    expect(r.error?.name).toBe('RangeError')
    expect(r.error?.message).toBe('host call arguments are larger than 16777216 bytes')
    expect(calls).toBe(0)
  })

  // The finding made 60 such calls; 12 show the cap as well, in a fifth of the time.
  it('12 calls of 8 MB to a slow host function → the 5th is refused (32 MiB in flight); 4 reach the host', async () => {
    let calls = 0
    // Slow: answers only when the run ends (its signal aborts).
    const slow = function (this: { signal: AbortSignal }): Promise<number> {
      calls++
      return new Promise((resolve) => this.signal.addEventListener('abort', () => resolve(0)))
    }
    const heapBefore = process.memoryUsage().heapUsed
    const r = await manager.runOnce(
      { type: 'quickjs', memoryLimit: 256 * MiB, hostFunctions: { slow } },
      `const big = 'x'.repeat(8e6)
       const calls = []
       for (let i = 0; i < 12; i++) calls.push(slow(big))
       await Promise.all(calls)`,
    )
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore
    expect(r.status).toBe('error')
    expect(r.error?.name).toBe('RangeError')
    expect(r.error?.message).toBe(
      'host calls in flight would hold more than 33554432 bytes of arguments',
    )
    expect(calls).toBe(4)
    expect(heapGrowth).toBeLessThan(200 * MiB)
  })

  it('calls under the caps still work, one after another', async () => {
    const r = await manager.runOnce(
      {
        type: 'quickjs',
        memoryLimit: 256 * MiB,
        hostFunctions: { len: (s: unknown) => String(s).length },
      },
      "let n = 0; for (let i = 0; i < 8; i++) n += await len('x'.repeat(8e6)); n",
    )
    expect(r.status).toBe('ok')
    expect(r.value).toBe(64e6)
  })
})
