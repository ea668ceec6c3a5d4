/**
 * Issue 14, streaming (I14-5) on the quickjs tier: a run's output reaches onOutput while the run goes on,
 * in the order written, and the chunks joined are exactly the result's output.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { SandboxManager, type ExecResult } from '../../../src/index.js'
import type { OutputChunk } from '../../../src/types.js'
import { resolveConfig, type ResolvedConfig } from '../../../src/config.js'
import { resolveRequest, type NormalizedRequest } from '../../../src/config/request.js'
import { QuickJsTier } from '../../../src/tiers/quickjs/quickjs-tier.js'

const manager = new SandboxManager()
afterAll(() => manager.close())

interface Seen extends OutputChunk {
  atMs: number
}

interface Streamed {
  result: ExecResult
  seen: Seen[]
  endedMs: number
  stdout: string
  stderr: string
}

function joined(seen: readonly OutputChunk[], stream: 'stdout' | 'stderr'): string {
  return seen
    .filter((c) => c.stream === stream)
    .map((c) => c.text)
    .join('')
}

/** The chunks with consecutive ones of one stream joined: how they are batched is not the contract. */
function runs(seen: readonly OutputChunk[]): { stream: string; text: string }[] {
  const out: { stream: string; text: string }[] = []
  for (const { stream, text } of seen) {
    const last = out[out.length - 1]
    if (last?.stream === stream) last.text += text
    else out.push({ stream, text })
  }
  return out
}

/** Runs `code` in `sb` with an onOutput that records each chunk and when it came. */
async function streamIn(
  sb: { execute: (r: object) => Promise<ExecResult> },
  code: string,
): Promise<Streamed> {
  const seen: Seen[] = []
  const started = performance.now()
  const result = await sb.execute({
    code,
    onOutput: (chunk: OutputChunk) => seen.push({ ...chunk, atMs: performance.now() - started }),
  })
  const endedMs = performance.now() - started
  return { result, seen, endedMs, stdout: joined(seen, 'stdout'), stderr: joined(seen, 'stderr') }
}

async function streamed(code: string, config: object = {}): Promise<Streamed> {
  const sb = await manager.create({ type: 'quickjs', ...config })
  try {
    return await streamIn(sb, code)
  } finally {
    await sb.destroy()
  }
}

describe('I14-5: quickjs streams output while the run goes on', () => {
  it.each([
    ['a timer', 'await new Promise((r) => setTimeout(r, 300))'],
    ['a busy loop', '{ const t = Date.now(); while (Date.now() - t < 300) {} }'],
  ])('I14-5: output written before %s arrives before the run ends', async (_, wait) => {
    const r = await streamed(`console.log('first'); ${wait}; console.log('second')`)
    expect(r.result.status).toBe('ok')
    expect(r.result.stdout).toBe('first\nsecond\n')
    const first = r.seen.find((c) => c.text.includes('first'))
    expect(first?.tier).toBe('quickjs')
    // ~300 ms before the end: sent while the guest waited, not with the result.
    expect(r.endedMs - (first?.atMs ?? Infinity)).toBeGreaterThan(200)
  })

  it('I14-5: stdout and stderr come in the order written', async () => {
    const r = await streamed(
      "console.log('o1'); console.error('e1'); console.warn('e2'); console.info('o2')",
    )
    expect(runs(r.seen)).toEqual([
      { stream: 'stdout', text: 'o1\n' },
      { stream: 'stderr', text: 'e1\ne2\n' },
      { stream: 'stdout', text: 'o2\n' },
    ])
  })

  it('I14-5: the chunks of 1,000 lines on both streams join to the result', async () => {
    const r = await streamed(
      "for (let i = 0; i < 1000; i++) { if (i % 7 === 0) console.error('err', i); else console.log('line', i, 'é😀') } 'done'",
    )
    expect(r.result.status).toBe('ok')
    expect(r.result.value).toBe('done')
    expect(r.result.stdout.split('\n')).toHaveLength(1000 - 143 + 1)
    expect(r.stdout).toBe(r.result.stdout)
    expect(r.stderr).toBe(r.result.stderr)
  })

  it('I14-5: past the output cap nothing more streams: the chunks are what the result kept', async () => {
    const r = await streamed("for (;;) console.log('abcdefgh')", {
      limits: { maxOutputBytes: 1000 },
    })
    expect(r.result.status).toBe('output')
    expect(r.result.stdout).toHaveLength(1000)
    expect(r.stdout).toBe(r.result.stdout)
  })

  it('I14-5: a REPL sandbox streams each run its own output only', async () => {
    const sb = await manager.create({ type: 'quickjs' })
    try {
      const one = await streamIn(sb, "globalThis.n = 1; console.log('run', n)")
      const two = await streamIn(
        sb,
        "await new Promise((r) => setTimeout(r, 10)); console.log('run', ++n)",
      )
      expect(one.seen.map((c) => c.text)).toEqual(['run 1\n'])
      expect(two.seen.map((c) => c.text)).toEqual(['run 2\n'])
      expect(two.result.stdout).toBe('run 2\n')
    } finally {
      await sb.destroy()
    }
  })

  it('I14-5: a run whose worker is terminated keeps what streamed before; its result has no output', async () => {
    const r = await streamed("console.log('before'); new Array(1e9).join('x')", {
      limits: { executionTime: 300 },
    })
    expect(r.result.status).toBe('timeout')
    expect(r.result.stdout).toBe('')
    expect(r.stdout).toBe('before\n')
  })
})

describe('I14-5: a given-up run’s late output never reaches the next run', () => {
  // The tier itself, with one worker: a neighbour's long synchronous run holds it, so A's run is given up
  // while it waits there, and A's next run is sent before the worker gets back to the first.
  const tier = new QuickJsTier({ workers: 1, spareWorkers: 1 })
  afterAll(() => tier.close())

  function request(
    config: ResolvedConfig,
    code: string,
    onOutput?: (text: string) => void,
    timeoutMs?: number,
  ): NormalizedRequest {
    const normalized = resolveRequest({ code, timeoutMs }, config)
    return { ...normalized, onOutput: onOutput && ((_, text) => onOutput(text)) }
  }

  it('I14-5: output A prints after the host gave up on its run goes to no listener', async () => {
    const config = resolveConfig({ type: 'quickjs', limits: { executionTime: 10_000 } })
    const a = await tier.createSandbox(config)
    const b = await tier.createSandbox(config)
    // Both placed and the worker booted: A's 300 ms are not spent waiting for it.
    expect((await b.execute(request(config, '1'))).status).toBe('ok')
    expect((await a.execute(request(config, '1'))).status).toBe('ok')
    const seen1: string[] = []
    let started = (): void => undefined
    const inWorker = new Promise<void>((resolve) => (started = resolve))
    const first = a.execute(
      request(
        config,
        "console.log('started'); setTimeout(() => console.log('late'), 200); await new Promise((r) => setTimeout(r, 5000))",
        (text) => {
          seen1.push(text)
          started()
        },
        300,
      ),
    )
    await Promise.race([inWorker, first])
    expect(seen1).toEqual(['started\n'])
    // B holds the worker for 1.5 s: A's timer and deadline pass meanwhile, and the host gives A's run up.
    const spin = b.execute(
      request(config, '{ const t = Date.now(); while (Date.now() - t < 1500) {} } 1'),
    )
    expect((await first).status).toBe('timeout')
    const seen2: string[] = []
    const second = await a.execute(request(config, "console.log('second')", (t) => seen2.push(t)))
    expect((await spin).status).toBe('ok')
    expect(second.stdout).toBe('second\n')
    expect(seen2).toEqual(['second\n'])
    expect(seen1).toEqual(['started\n'])
    await Promise.all([a.close(), b.close()])
  })
})
