/**
 * Issue 12: what the wasm fuzz test (fuzz-wasm.test.ts) found, pinned one case each (F2–F5).
 */
import { describe, expect, it } from 'vitest'
import { type SandboxConfig } from '../../../src/index.js'
import { I32, WasmBuilder, i32, op } from '../../fixtures/wasm/wasm-builder.js'
import { useFileManager } from '../../fixtures/sandtier.js'

const { manager } = useFileManager({})

const runAs = (code: string, config: SandboxConfig) =>
  manager.runOnce(
    { type: 'wasm', language: 'assemblyscript', ...config },
    { code, language: 'assemblyscript' },
  )
const runRaw = (wasmBinary: Uint8Array) =>
  manager.runOnce({ type: 'wasm', language: 'wasm' }, { language: 'wasm', wasmBinary })

/** An AssemblyScript-layout string (u32 byte length, then UTF-16) of n copies of c. */
function asString(c: string, n: number): number[] {
  const bytes = n * 2
  const out = [bytes & 0xff, (bytes >> 8) & 0xff, (bytes >> 16) & 0xff, bytes >>> 24]
  for (let i = 0; i < n; i++) out.push(c.charCodeAt(0), 0)
  return out
}

describe('wasm tier: fuzz findings', () => {
  it('F2: a text value within maxOutputBytes whose JSON is not (control characters) ends output', async () => {
    const r = await runAs(
      "export function main(input: string): string { return '\\x01'.repeat(65536) }",
      { limits: { maxOutputBytes: 100_000 } },
    )
    expect({ status: r.status, code: r.error?.code }).toEqual({
      status: 'output',
      code: 'ERR_OUTPUT',
    })
  })

  it.each([
    [
      'log',
      "import { log } from 'sandtier'\nexport function main(i: string): string { log('é'.repeat(1000)); return '1' }",
    ],
    [
      'console.log',
      "export function main(i: string): string { console.log('é'.repeat(1000)); return '1' }",
    ],
  ])('F3: %s cut at the output cap stays within it, between characters', async (_name, code) => {
    const r = await runAs(code, { limits: { maxOutputBytes: 1025 } })
    expect(r.status).toBe('output')
    expect(Buffer.byteLength(r.stdout) + Buffer.byteLength(r.stderr)).toBeLessThanOrEqual(1025)
    expect(r.stdout + r.stderr).not.toContain('\uFFFD')
  })

  it('F4: an abort with a 5,000-character message and file name reports at most 4,096 characters', async () => {
    const b = new WasmBuilder()
    const abort = b.importFunc('env', 'abort', [I32, I32, I32, I32], [])
    b.importMemory(1)
    const second = 4 + 10_000 + 4
    const main = b.func(
      [],
      [],
      [...i32(4), ...i32(second + 4), ...i32(-1), ...i32(-1), op.call, abort],
    )
    b.export('main', 'function', main)
      .data(0, asString('m', 5000))
      .data(second, asString('f', 5000))
    const r = await runRaw(b.build())
    expect(r.status).toBe('error')
    expect(r.error?.message.length).toBeLessThanOrEqual(4096 + 1)
  })

  it('F5: unreachable in a module without memory is a guest error, not a memory limit', async () => {
    const b = new WasmBuilder()
    const main = b.func([], [], [op.unreachable])
    const r = await runRaw(b.export('main', 'function', main).build())
    expect({ status: r.status, name: r.error?.name }).toEqual({
      status: 'error',
      name: 'RuntimeError',
    })
  })
})
