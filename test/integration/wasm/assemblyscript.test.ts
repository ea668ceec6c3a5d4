import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WasmTier } from '../../../src/tiers/wasm/wasm-tier.js'
import * as as from '../../fixtures/wasm/as-sources.js'
import { newTier, request, sandbox } from '../../fixtures/wasm/tier-helpers.js'

let tier: WasmTier

beforeAll(async () => {
  tier = newTier({ maxWorkers: 2 })
  await tier.warm()
})
afterAll(() => tier.close())

const run = async (code: string, fields: Parameters<typeof request>[0] = {}, config = {}) =>
  (await sandbox(tier, { language: 'assemblyscript', ...config })).execute(
    request({ code, ...fields }),
  )

describe('AssemblyScript: the main convention and fn + args', () => {
  it('passes the input as JSON to main and parses its JSON result', async () => {
    const result = await run(as.hello, { input: { a: 41, list: [1, 'two'] } })
    expect(result).toMatchObject({
      status: 'ok',
      tier: 'wasm',
      value: { greeting: 'hello', input: { a: 41, list: [1, 'two'] } },
      stdout: 'hello {"a":41,"list":[1,"two"]}\n',
    })
    expect(result.usage.memoryPeakBytes).toBeGreaterThanOrEqual(65536)
  })

  it('calls exports by name with numeric args (i32, i64, f64)', async () => {
    expect((await run(as.numeric, { fn: 'add', args: [40, 2] })).value).toBe(42)
    expect((await run(as.numeric, { fn: 'mul64', args: [2 ** 40, 3] })).value).toBe(3 * 2 ** 40)
    expect((await run(as.numeric, { fn: 'half', args: [5] })).value).toBe(2.5)
  })

  it('runs top-level code, console, Date, Math.random and output()', async () => {
    const result = await run(as.consoleAndOutput, { input: 7 })
    expect(result).toMatchObject({
      status: 'ok',
      stdout: 'to stdout\n',
      stderr: 'to stderr\n',
      value: { top: 7, now: true, rnd: true },
    })
  })

  it('runs the examples in asm/examples', async () => {
    const hello = await readFile(new URL('../../../asm/examples/hello.ts', import.meta.url), 'utf8')
    const fib = await readFile(new URL('../../../asm/examples/fib.ts', import.meta.url), 'utf8')
    expect((await run(hello, { input: { name: 'Ada' } })).value).toEqual({
      greeting: 'hello',
      input: { name: 'Ada' },
    })
    expect((await run(fib, { fn: 'fib', args: [20] })).value).toBe(6765)
  })
})

describe('AssemblyScript: compile errors', () => {
  it('reports diagnostics with line, column and message', async () => {
    const result = await run(as.typeError)
    expect(result.status).toBe('error')
    expect(result.error?.name).toBe('CompileError')
    const { diagnostics } = result.error?.details as {
      diagnostics: { line: number; column: number; message: string }[]
    }
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        file: 'index.ts',
        line: 3,
        column: 16,
        severity: 'error',
        message: expect.stringMatching(/not assignable to type 'i32'/),
      }),
    )
    expect(result.error?.message).toMatch(/index\.ts:3:16/)
  })

  it('explains a main with the wrong shape', async () => {
    const result = await run(as.wrongMain)
    expect(result.status).toBe('error')
    expect(result.error?.message).toMatch(
      /main must be declared as `export function main\(input: string\): string`/,
    )
  })

  it('never reads files outside the virtual sources', async () => {
    const result = await run(
      `import { x } from '../../../../etc/passwd'\nexport function main(i: string): string { return i }`,
    )
    expect(result.status).toBe('error')
    expect(result.error?.message).toMatch(/not found/)
  })
})

describe('AssemblyScript: failures and limits', () => {
  it('reports abort with message and location', async () => {
    const result = await run(as.aborts)
    expect(result.status).toBe('error')
    expect(result.error?.details).toMatchObject({
      kind: 'abort',
      message: 'boom',
      file: 'index.ts',
      line: 2,
      column: 3,
    })
    expect(result.error?.message).toBe('abort: boom (at index.ts:2:3)')
  })

  it.each([
    ['an allocation loop', as.allocLoop],
    ['one allocation over the limit', as.hugeAlloc],
  ])('reports %s as memory', async (_what, code) => {
    const result = await run(code, {}, { maxMemoryPages: 64 })
    expect(result.status).toBe('memory')
    expect(result.error?.code).toBe('ERR_MEMORY')
    expect(result.usage.memoryPeakBytes).toBeLessThanOrEqual(64 * 65536)
  })

  it('reports unbounded recursion as a stack-overflow trap', async () => {
    const result = await run(as.recursion)
    expect(result).toMatchObject({
      status: 'error',
      error: { details: { trap: 'stack-overflow' } },
    })
    expect(result.error?.stack).toMatch(/index\/rec/)
  })

  it.each([
    ['main', as.spin],
    ['top-level code (the start function)', as.spinTopLevel],
  ])('stops an infinite loop in %s at the deadline', async (_where, code) => {
    await run(code, { timeoutMs: 60_000, fn: 'nope' }).catch(() => undefined) // compile outside the timing
    const started = performance.now()
    const result = await run(code, { timeoutMs: 300 })
    expect(result.status).toBe('timeout')
    expect(performance.now() - started).toBeLessThan(300 + 250)
  })

  it('many spinning runs at once on 2 workers: all end timeout within limit + 250 ms (B19)', async () => {
    await run(as.spin, { timeoutMs: 60_000, fn: 'nope' }).catch(() => undefined) // compile outside the timing
    const started = performance.now()
    const results = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const r = await run(as.spin, { timeoutMs: 500 })
        return { status: r.status, message: r.error?.message, ms: performance.now() - started }
      }),
    )
    // The limit counts waiting for a worker: ten of these never get one in time and end without running.
    for (const r of results) {
      expect(r.status).toBe('timeout')
      expect(r.message).toBe('The run exceeded its wall-clock limit of 500 ms')
    }
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(500 + 250)
    // The workers the waiting runs stopped waiting for go back to the lease: nothing stays active.
    const deadline = Date.now() + 5000
    while (tier.stats()['runsActive'] !== 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    expect(tier.stats()['runsActive']).toBe(0)
    expect((await run(as.hello, { input: { name: 'after' } })).status).toBe('ok')
  })

  it('stops log output at maxOutputBytes', async () => {
    const result = await run(as.logFlood, {}, { limits: { maxOutputBytes: 4096 } })
    expect(result.status).toBe('output')
    expect(Buffer.byteLength(result.stdout)).toBe(4096)
    expect(result.stdout.startsWith('line 0\nline 1\n')).toBe(true)
  })
})

describe('AssemblyScript: compile deadline', () => {
  it('ends a compile past compileTimeoutMs with status timeout', async () => {
    const slow = newTier({ compileTimeoutMs: 1 })
    try {
      const sb = await sandbox(slow, { language: 'assemblyscript' })
      const result = await sb.execute(request({ code: as.hello }))
      expect(result).toMatchObject({
        status: 'timeout',
        error: { name: 'CompileError', code: 'ERR_TIMEOUT' },
      })
    } finally {
      await slow.close()
    }
  })
})

describe('AssemblyScript: host functions', () => {
  it('calls hostFunctions with JSON and hides host error messages', async () => {
    const result = await run(
      as.callHost,
      {},
      {
        hostFunctions: {
          add: (a: unknown, b: unknown) => (a as number) + (b as number),
          leaky: () => {
            throw new Error('secret at /srv/app/secret.js')
          },
        },
      },
    )
    expect(result.status).toBe('ok')
    expect(result.value).toEqual({
      sum: 42,
      bad: 'HostFunctionError: host function "leaky" failed',
      missing: 'TypeError: no host function "nope"',
    })
    // Neither the host error's text nor its path reaches the result (usage.secretsBlocked is a counter's name).
    expect(JSON.stringify(result)).not.toContain('secret at')
    expect(JSON.stringify(result)).not.toContain('/srv/app')
    expect(result.usage.hostCalls).toBe(3)
  })

  it('stops a guest blocked on a host function that never returns at the deadline', async () => {
    const code = `import { callHost } from 'sandtier'\nexport function main(i: string): string { return callHost('hang').json }\n`
    const hostFunctions = { hang: () => new Promise(() => undefined) }
    const result = await run(code, { timeoutMs: 400 }, { hostFunctions })
    expect(result.status).toBe('timeout')
  })
})
