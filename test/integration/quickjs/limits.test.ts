import { beforeAll, describe, expect, it } from 'vitest'
import { test, useFileManager } from '../../fixtures/sandtier.js'

const { manager, runOnce } = useFileManager()

// Boot the workers before timing anything.
beforeAll(async () => {
  await Promise.all([runOnce('1'), runOnce('2')])
})
const MiB = 1024 * 1024
const SLACK_MS = 250

describe('quickjs tier: wall-clock limit', () => {
  it.each([
    ['bytecode loop', 'while (true) {}'],
    ['catch-and-continue loop', 'for (;;) { try { for (;;) {} } catch {} finally { continue } }'],
    ['long built-in that ignores the interrupt', "new Array(1e9).join('x')"],
    ['catastrophic regex backtracking', "/(a+)+$/.test('a'.repeat(40) + '!')"],
    ['loop in a promise job', 'Promise.resolve().then(() => { for (;;) {} }); 1'],
    [
      'self-rescheduling job chain',
      // f returns nothing: a chain whose promises wait on each other grows the heap and can end 'memory' first.
      'const f = () => { Promise.resolve().then(f) }; f(); await new Promise(() => {}) ',
    ],
    ['timer that never fires in time', 'await new Promise((r) => setTimeout(r, 1e9))'],
  ])('%s → timeout within limit + 250 ms, host event loop alive', async (_name, code) => {
    let ticks = 0
    const ticker = setInterval(() => ticks++, 20)
    const started = performance.now()
    const r = await runOnce(code, { limits: { executionTime: 500 } })
    const elapsed = performance.now() - started
    clearInterval(ticker)
    expect(r.status).toBe('timeout')
    expect(r.error?.code).toBe('ERR_TIMEOUT')
    expect(elapsed).toBeLessThan(500 + SLACK_MS)
    expect(ticks).toBeGreaterThan(10)
  })

  it('an interrupt in a promise job is never reported as success', async () => {
    const r = await runOnce('await Promise.resolve().then(() => { for (;;) {} }); "finished"', {
      limits: { executionTime: 300 },
    })
    expect(r.status).toBe('timeout')
    expect(r.value).toBeUndefined()
  })

  it('each execute gets a fresh deadline', async () => {
    const id = await manager.createSandbox({ type: 'quickjs', limits: { executionTime: 400 } })
    for (let i = 0; i < 3; i++) {
      const r = await manager.execute(
        id,
        '{ const t = Date.now(); while (Date.now() - t < 200) {} } 1',
      )
      expect(r.status).toBe('ok')
    }
    await manager.destroy(id)
  })

  it('per-run timeoutMs narrows the sandbox limit', async () => {
    const id = await manager.createSandbox({ type: 'quickjs', limits: { executionTime: 5000 } })
    const started = performance.now()
    const r = await manager.execute(id, { code: 'for(;;){}', timeoutMs: 200 })
    expect(r.status).toBe('timeout')
    expect(performance.now() - started).toBeLessThan(200 + SLACK_MS)
    await manager.destroy(id)
  })

  it('CPU time limit → cpu', async () => {
    const r = await runOnce('for (;;) {}', { limits: { cpuTime: 150, executionTime: 5000 } })
    expect(r.status).toBe('cpu')
    expect(r.error?.code).toBe('ERR_CPU')
  })

  it('the sandbox works after a timeout, with fresh state', async () => {
    const id = await manager.createSandbox({ type: 'quickjs', limits: { executionTime: 300 } })
    await manager.execute(id, 'globalThis.kept = 1')
    expect((await manager.execute(id, "new Array(1e9).join('x')")).status).toBe('timeout')
    // README "Limits": after a timeout the sandbox's context is replaced by a fresh one, so `kept` is gone.
    expect(await manager.execute(id, 'typeof kept')).toMatchObject({
      status: 'ok',
      value: 'undefined',
    })
    await manager.destroy(id)
  })

  it('a sandbox on another worker keeps working while one is stuck in a built-in', async () => {
    const stuck = runOnce("new Array(1e9).join('x')", { limits: { executionTime: 800 } })
    const other = await runOnce('1 + 1')
    expect(other).toMatchObject({ value: 2 })
    expect((await stuck).status).toBe('timeout')
  })

  describe('on one worker, so both sandboxes share it', () => {
    test.override({ managerOptions: { tiers: { quickjs: { workers: 1 } } } })

    test('an idle sandbox sharing a terminated worker keeps its state (rebuilt from its image)', async ({
      manager: solo,
    }) => {
      const idle = await solo.createSandbox({ type: 'quickjs' })
      await solo.execute(idle, 'globalThis.v = 1')
      const busy = await solo.createSandbox({ type: 'quickjs', limits: { executionTime: 300 } })
      expect((await solo.execute(busy, "new Array(1e9).join('x')")).status).toBe('timeout')
      expect(await solo.execute(idle, 'v + 1')).toMatchObject({ status: 'ok', value: 2 })
    })
  })
})

describe('quickjs tier: many spinning sandboxes at once (B19)', () => {
  it('40 runs of for (;;) {} on 2 workers all end timeout on time; no worker dies, REPL state survives', async () => {
    const repl = await manager.createSandbox({ type: 'quickjs' })
    expect((await manager.execute(repl, 'globalThis.kept = 41; 1')).status).toBe('ok')
    const workersBefore = (await manager.stats()).tiers.quickjs?.['workers']
    let maxLag = 0
    let last = performance.now()
    const ticker = setInterval(() => {
      const now = performance.now()
      maxLag = Math.max(maxLag, now - last - 10)
      last = now
    }, 10)
    const started = performance.now()
    const results = await Promise.all(
      Array.from({ length: 40 }, () =>
        runOnce('for (;;) {}', { limits: { executionTime: 1000 } }).then((r) => ({
          status: r.status,
          ms: performance.now() - started,
        })),
      ),
    )
    clearInterval(ticker)
    // Runs queued behind another sandbox's run keep only what is left of their own limit: they end
    // 'timeout' without running, instead of the host terminating a busy worker for them.
    expect(results.map((r) => r.status)).toEqual(Array(40).fill('timeout'))
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(1000 + SLACK_MS)
    expect(maxLag).toBeLessThan(100)
    expect((await manager.stats()).tiers.quickjs?.['workers']).toBe(workersBefore)
    const after = await manager.execute(repl, 'kept + 1')
    expect(after.value).toBe(42)
    await manager.destroy(repl)
  })
})

describe('quickjs tier: memory limit', () => {
  it.each([
    ['string doubling', "let s = 'x'; for (;;) { s += s; s.indexOf('y') }"],
    ['array of strings', "const a = []; for (;;) a.push('x'.repeat(1 << 20) + Math.random())"],
    [
      'arrays of objects',
      'const a = []; for (let i = 0; ; i++) a.push({ i, v: [i, i + 1], s: "k" + i })',
    ],
    ['typed arrays', 'const a = []; for (;;) a.push(new Float64Array(1 << 16))'],
    ['Map growth', 'const m = new Map(); for (let i = 0; ; i++) m.set("k" + i, { i })'],
    ['single huge allocation', 'new ArrayBuffer(1 << 30)'],
    [
      'OOM inside a promise job',
      "await Promise.resolve().then(() => { const a = []; for (;;) a.push('y'.repeat(1 << 20) + Math.random()) })",
    ],
  ])('%s → memory, host RSS bounded, next run works', async (_name, code) => {
    const rssBefore = process.memoryUsage().rss
    const id = await manager.createSandbox({
      type: 'quickjs',
      memoryLimit: 32 * MiB,
      limits: { executionTime: 10_000 },
    })
    const r = await manager.execute(id, code)
    expect(r.status, JSON.stringify(r.error)).toBe('memory')
    expect(r.error?.code).toBe('ERR_MEMORY')
    expect(r.usage.memoryPeakBytes).toBeLessThanOrEqual(32 * MiB)
    // the guest heap lives in a worker's wasm memory, capped at 32 MiB; allow the worker's own growth
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(32 * MiB + 64 * MiB)
    const next = await manager.execute(id, '6 * 7')
    expect(next.status).toBe('ok')
    expect(next.value).toBe(42)
    await manager.destroy(id)
  })

  it('refuses a memory limit the tier cannot bound', async () => {
    await expect(
      manager.createSandbox({ type: 'quickjs', memoryLimit: 4 * MiB }),
    ).rejects.toMatchObject({
      code: 'ERR_CONFIG',
      option: 'memoryLimit',
    })
  })
})

describe('quickjs tier: stack', () => {
  it.each([
    ['deep recursion', 'function f(n) { return f(n + 1) + 1 } f(0)'],
    ['JSON.parse of 100k-deep nesting', "JSON.parse('['.repeat(1e5) + ']'.repeat(1e5))"],
    ['deep recursion through getters', 'const o = { get x() { return this.x } }; o.x'],
  ])('%s → error (stack overflow), host fine, dispose works', async (_name, code) => {
    const id = await manager.createSandbox({ type: 'quickjs' })
    const r = await manager.execute(id, code)
    expect(r.status).toBe('error')
    expect(r.error?.message).toMatch(/stack overflow/i)
    expect((await manager.execute(id, '1')).value).toBe(1)
    await manager.destroy(id)
  })
})

describe('quickjs tier: output limit', () => {
  it('an output flood ends with output, stdout cut at maxOutputBytes', async () => {
    const r = await runOnce("for (;;) console.log('flood flood flood')", {
      limits: { maxOutputBytes: 1000, executionTime: 5000 },
    })
    expect(r.status).toBe('output')
    expect(r.error?.code).toBe('ERR_OUTPUT')
    expect(Buffer.byteLength(r.stdout) + Buffer.byteLength(r.stderr)).toBeLessThanOrEqual(1000)
    expect(r.stdout.length).toBeGreaterThan(900)
    expect(r.truncated).toBe(true)
  })

  it('a result larger than maxOutputBytes ends with output', async () => {
    const r = await runOnce("'x'.repeat(5000)", { limits: { maxOutputBytes: 1000 } })
    expect(r.status).toBe('output')
  })
})

describe('quickjs tier: timers and host calls are bounded (B17)', () => {
  it('a flood of pending timers stops at the cap with a clear error; the next run works', async () => {
    const started = performance.now()
    const r = await runOnce('for (let i = 0; i < 1e6; i++) setTimeout(() => {}, 1e9); 1', {
      memoryLimit: 256 * MiB,
      limits: { executionTime: 10_000 },
    })
    expect(r.status).toBe('error')
    expect(r.error?.name).toBe('RangeError')
    expect(r.error?.message).toContain('too many pending timers (at most 1000)')
    expect(performance.now() - started).toBeLessThan(5000)
    expect((await runOnce('1 + 1')).value).toBe(2)
  })

  it('up to 1,000 pending timers are fine, and an interval re-arming is not counted twice', async () => {
    const code = `
      for (let i = 0; i < 998; i++) setTimeout(() => {}, 1e9)
      let n = 0
      const id = setInterval(() => n++, 1) // the 999th
      await new Promise((r) => setTimeout(() => r(), 60)) // the 1,000th: one more would throw
      clearInterval(id)
      n`
    const r = await runOnce(code, { limits: { executionTime: 5000 } })
    expect(r.status).toBe('ok')
    expect(r.value).toBeGreaterThan(3)
  })

  it('a delay past 2^31 - 1 ms waits (Node would fire it after 1 ms) and writes nothing to the host', async () => {
    const written: string[] = []
    const write = process.stderr.write.bind(process.stderr)
    process.stderr.write = (chunk: string | Uint8Array, ...rest: never[]) => {
      written.push(String(chunk))
      return write(chunk, ...rest)
    }
    try {
      const code =
        'let fired = 0; setTimeout(() => fired++, 2 ** 31); setTimeout(() => fired++, Infinity); await new Promise((r) => setTimeout(r, 100)); fired'
      const r = await runOnce(code, { limits: { executionTime: 5000 } })
      expect(r.status).toBe('ok')
      // Infinity is not a finite delay: 0, as in browsers and Node
      expect(r.value).toBe(1)
      // Waits for a warning that must not come: an absence has no event, so a bound (the guest's own wait).
      await new Promise((r) => setTimeout(r, 100))
    } finally {
      process.stderr.write = write
    }
    expect(written.join('')).not.toMatch(/TimeoutOverflowWarning/)
  })

  it('timers never fire after their run ended (host spy)', async () => {
    let calls = 0
    const r = await runOnce('setTimeout(() => spy(), 30); setInterval(() => spy(), 10); 1', {
      hostFunctions: { spy: () => ++calls },
    })
    expect(r.status).toBe('ok')
    // Calls that must not come have no event to await: a bound of 5 times the guest's 30 ms timer.
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(calls).toBe(0)
  })

  it('host calls in flight stop at the cap: the excess calls reject in the guest, the rest complete', async () => {
    const code = `
      const settled = await Promise.allSettled(Array.from({ length: 1100 }, (_, i) => slow(i)))
      const rejected = settled.filter((s) => s.status === 'rejected')
      ;({ ok: settled.length - rejected.length, rejected: rejected.length, why: rejected[0]?.reason?.message,
          after: await slow(7) })`
    const r = await runOnce(code, {
      hostFunctions: {
        slow: (i: unknown) => new Promise((resolve) => setTimeout(() => resolve(i), 20)),
      },
      limits: { executionTime: 10_000, cpuTime: 5000 },
    })
    expect(r.status).toBe('ok')
    expect(r.value).toEqual({
      ok: 1000,
      rejected: 100,
      why: 'too many host calls in flight (at most 1000)',
      after: 7,
    })
  })
})
