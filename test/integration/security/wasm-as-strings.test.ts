/**
 * Issue 14 item 6 on the wasm tier: AssemblyScript strings a guest hands to `env.abort` and `env.console.*` are
 * read with @assemblyscript/loader's `__getString`, which trusts the length in the string's header. These raw
 * modules forge that header; the host checks it against the memory and the 4096-character cap before the
 * loader copies a byte, so a forged header gives `<invalid string>` or a capped prefix, never a host copy of the
 * guest's choosing.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { closeSharedManager, run } from '../../../src/index.js'
import { I32, i32, op, WasmBuilder } from '../../fixtures/wasm/wasm-builder.js'

afterAll(() => closeSharedManager())

/** An AssemblyScript object header: u32 class id, u32 byte length (the string's text follows it). */
function header(id: number, bytes: number): number[] {
  const out = new Uint8Array(8)
  const view = new DataView(out.buffer)
  view.setUint32(0, id, true)
  view.setUint32(4, bytes, true)
  return [...out]
}

/** A module whose main calls `env.console.log(ptr)` with `data` placed at `at` in its one page of memory. */
function logAt(ptr: number, at: number, data: number[]): Uint8Array {
  const b = new WasmBuilder()
  const log = b.importFunc('env', 'console.log', [I32], [])
  b.importMemory(1, 1)
  const main = b.func([], [], [...i32(ptr), op.call, log])
  return b.export('main', 'function', main).data(at, data).build()
}

const text = (s: string): number[] => [...Buffer.from(s, 'utf16le')]

describe('I14-6: AssemblyScript strings are bounded before the loader reads them', () => {
  it('I14-6: a well-formed string is read as written', async () => {
    const module = logAt(64, 56, [...header(2, 10), ...text('hello')])
    const result = await run({ language: 'wasm', wasmBinary: module }, { type: 'wasm' })
    expect(result).toMatchObject({ status: 'ok', stdout: 'hello\n' })
  })

  it('I14-6: a header claiming 2 GiB in a 64 KiB memory gives <invalid string>, the run goes on', async () => {
    const module = logAt(64, 56, [...header(2, 0x7ffffff0), ...text('hello')])
    const result = await run({ language: 'wasm', wasmBinary: module }, { type: 'wasm' })
    expect(result).toMatchObject({ status: 'ok', stdout: '<invalid string>\n' })
  })

  it('I14-6: a header claiming the rest of the memory gives only the first 4096 characters', async () => {
    const module = logAt(64, 56, [...header(2, 65536 - 64), ...text('ab')])
    const result = await run({ language: 'wasm', wasmBinary: module }, { type: 'wasm' })
    expect(result.stdout).toBe(`ab${'\0'.repeat(4094)}…\n`)
  })

  it('I14-6: a pointer to an object that is not a String gives <invalid string>', async () => {
    const module = logAt(64, 56, [...header(1, 10), ...text('hello')])
    const result = await run({ language: 'wasm', wasmBinary: module }, { type: 'wasm' })
    expect(result).toMatchObject({ status: 'ok', stdout: '<invalid string>\n' })
  })

  it('I14-6: a pointer that is not 4-aligned gives <invalid string> (the loader would read another header)', async () => {
    const module = logAt(66, 56, [...header(2, 10), 0, 0, ...text('hello')])
    const result = await run({ language: 'wasm', wasmBinary: module }, { type: 'wasm' })
    expect(result).toMatchObject({ status: 'ok', stdout: '<invalid string>\n' })
  })
})
