/**
 * Issue 14, streaming (I14-5) on the wasm tier: a run's output reaches onOutput while the run goes on, in
 * the order written; the chunks joined are exactly the result's output; WASI bytes are decoded whole.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { SandboxManager, type ExecResult } from '../../../src/index.js'
import type { OutputChunk } from '../../../src/types.js'
import { wasiFlood } from '../../fixtures/wasm/modules.js'
import { I32, WasmBuilder, i32, op } from '../../fixtures/wasm/wasm-builder.js'

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

type Execute = (request: object) => Promise<ExecResult>

/** Runs `request` in `sb` with an onOutput that records each chunk and when it came. */
async function streamIn(sb: { execute: Execute }, request: object): Promise<Streamed> {
  const seen: Seen[] = []
  const started = performance.now()
  const result = await sb.execute({
    ...request,
    onOutput: (chunk: OutputChunk) => seen.push({ ...chunk, atMs: performance.now() - started }),
  })
  const endedMs = performance.now() - started
  return { result, seen, endedMs, stdout: joined(seen, 'stdout'), stderr: joined(seen, 'stderr') }
}

async function streamed(request: object, config: object = {}): Promise<Streamed> {
  const sb = await manager.create({ type: 'wasm', language: 'assemblyscript', ...config })
  try {
    return await streamIn(sb, request)
  } finally {
    await sb.destroy()
  }
}

/** AssemblyScript `main` with `body` before its return. */
function main(body: string): { code: string; language: 'assemblyscript' } {
  return {
    code: `export function main(input: string): string {\n${body}\nreturn 'null'\n}\n`,
    language: 'assemblyscript',
  }
}

const SPIN_300_MS = 'const t = Date.now(); while (Date.now() - t < 300) {}'

/** A WASI command writing the UTF-8 of 'café\n' in two fd_write calls, split inside the 'é'. */
function wasiSplitCharacter(): Uint8Array {
  const b = new WasmBuilder()
  const fdWrite = b.importFunc('wasi_snapshot_preview1', 'fd_write', [I32, I32, I32, I32], [I32])
  b.importMemory(1)
  const bytes = [...new TextEncoder().encode('café\n')]
  const write = (iovec: number): number[] => [
    ...i32(1),
    ...i32(iovec),
    ...i32(1),
    ...i32(64),
    op.call,
    fdWrite,
    op.drop,
  ]
  const start = b.func([], [], [...write(0), ...write(8)])
  // iovecs at 0 and 8: the first 4 bytes ('caf' and the first byte of 'é'), then the other 2.
  return b
    .export('memory', 'memory', 0)
    .export('_start', 'function', start)
    .data(0, [32, 0, 0, 0, 4, 0, 0, 0, 36, 0, 0, 0, bytes.length - 4, 0, 0, 0])
    .data(32, bytes)
    .build()
}

describe('I14-5: wasm streams output while the run goes on', () => {
  it('I14-5: output written before a busy loop arrives before the run ends', async () => {
    const r = await streamed(main(`console.log('first')\n${SPIN_300_MS}\nconsole.log('second')`))
    expect(r.result.status).toBe('ok')
    expect(r.result.stdout).toBe('first\nsecond\n')
    const first = r.seen.find((c) => c.text.includes('first'))
    expect(first?.tier).toBe('wasm')
    // ~300 ms before the end: the write itself sent it, while the guest spun.
    expect(r.endedMs - (first?.atMs ?? Infinity)).toBeGreaterThan(200)
  })

  it('I14-5: stdout and stderr come in the order written', async () => {
    const r = await streamed(
      main("console.log('o1')\nconsole.error('e1')\nconsole.warn('e2')\nconsole.info('o2')"),
    )
    // Consecutive chunks of one stream joined: how they are batched is not the contract.
    const order = r.seen.map((c, i) =>
      r.seen[i - 1]?.stream === c.stream ? c.text : `|${c.stream}:${c.text}`,
    )
    expect(order.join('')).toBe('|stdout:o1\n|stderr:e1\ne2\n|stdout:o2\n')
  })

  it('I14-5: the chunks of 1,000 lines on both streams join to the result', async () => {
    const r = await streamed(
      main(
        "for (let i = 0; i < 1000; i++) { if (i % 7 == 0) console.error('err ' + i.toString()); else console.log('line ' + i.toString() + ' é😀') }",
      ),
    )
    expect(r.result.status).toBe('ok')
    expect(r.result.stdout.split('\n')).toHaveLength(1000 - 143 + 1)
    expect(r.stdout).toBe(r.result.stdout)
    expect(r.stderr).toBe(r.result.stderr)
  })

  it('I14-5: past the output cap nothing more streams (WASI bytes): the chunks are what the result kept', async () => {
    const r = await streamed(
      { language: 'wasm', wasmBinary: wasiFlood() },
      { language: 'wasm', limits: { maxOutputBytes: 1000 } },
    )
    expect(r.result.status).toBe('output')
    expect(r.result.stdout).toHaveLength(1000)
    expect(r.stdout).toBe(r.result.stdout)
  })

  it('I14-5: a character split across two WASI writes arrives whole', async () => {
    const r = await streamed(
      { language: 'wasm', wasmBinary: wasiSplitCharacter() },
      { language: 'wasm' },
    )
    expect(r.result.stdout).toBe('café\n')
    expect(r.stdout).toBe('café\n')
    expect(r.seen.some((c) => c.text.includes('\ufffd'))).toBe(false)
    // The first write went out at once, without the half character.
    expect(r.seen[0]?.text).toBe('caf')
  })

  it('I14-5: a timed-out run keeps what streamed; its late output never reaches the next run', async () => {
    const sb = await manager.create({
      type: 'wasm',
      language: 'assemblyscript',
      limits: { executionTime: 30_000 },
    })
    try {
      // Prints for `input` ms; compiled by the first run, so the second's 300 ms are all the guest's.
      const loop = main(
        "const until = Date.now() + <i64>parseInt(input)\nwhile (Date.now() < until) { console.log('tick'); const t = Date.now(); while (Date.now() - t < 5) {} }",
      )
      expect((await sb.execute({ ...loop, input: 20 })).status).toBe('ok')
      const one = await streamIn(sb, { ...loop, input: 100_000, timeoutMs: 300 })
      expect(one.result.status).toBe('timeout')
      expect(one.stdout.startsWith('tick\n')).toBe(true)
      const two = await streamIn(sb, main("console.log('second')"))
      expect(two.result.stdout).toBe('second\n')
      expect(two.seen.map((c) => c.text)).toEqual(['second\n'])
    } finally {
      await sb.destroy()
    }
  })
})
