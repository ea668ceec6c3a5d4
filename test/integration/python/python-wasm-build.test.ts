/**
 * The artifacts of scripts/build-python-wasm.sh run Python under node:wasi: the reactor starts, loads the standard
 * library from its zip and runs a source string, in a host-made memory with a maximum. Skipped, with the reason,
 * where the artifacts have not been built (the build needs root once, for its packages).
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WASI } from 'node:wasi'
import { describe, expect, it } from 'vitest'
import {
  locatePythonWasm,
  PYTHON_STDLIB_GUEST_DIR,
  type PythonWasmArtifacts,
} from '../../../src/tiers/python/artifacts.js'

const PAGE_BYTES = 64 * 1024
/** The reactor's own minimum (CPython's WASI link flags: 20 MiB, 8 of them stack). */
const INITIAL_PAGES = 320
const MAX_MEMORY_BYTES = 64 * 1024 * 1024

const status = await locatePythonWasm()
const module =
  status.available && (await WebAssembly.compile(await readFile(status.artifacts.wasmPath)))

interface RunOutcome {
  status: number
  stdout: string
  stderr: string
}

interface ReactorExports {
  sandtier_init(): number
  sandtier_alloc(sizeBytes: number): number
  sandtier_free(pointer: number): void
  sandtier_run(pointer: number, lengthBytes: number): number
}

/** A fresh instance in a memory capped at MAX_MEMORY_BYTES: init, then one source string. */
async function runPython(artifacts: PythonWasmArtifacts, source: string): Promise<RunOutcome> {
  if (!module) throw new Error('python.wasm not compiled')
  const dir = mkdtempSync(join(tmpdir(), 'sandtier-pywasm-'))
  const stdoutFd = openSync(join(dir, 'stdout'), 'w+')
  const stderrFd = openSync(join(dir, 'stderr'), 'w+')
  try {
    const memory = new WebAssembly.Memory({
      initial: INITIAL_PAGES,
      maximum: MAX_MEMORY_BYTES / PAGE_BYTES,
    })
    const wasi = new WASI({
      version: 'preview1',
      args: ['python3'],
      env: {},
      stdout: stdoutFd,
      stderr: stderrFd,
      preopens: { [PYTHON_STDLIB_GUEST_DIR]: artifacts.dir },
    })
    const instance = await WebAssembly.instantiate(module, {
      ...wasi.getImportObject(),
      env: { memory },
    })
    wasi.initialize(instance)
    const reactor = instance.exports as unknown as ReactorExports
    let code = reactor.sandtier_init()
    if (code === 0) {
      const bytes = Buffer.from(source, 'utf8')
      const pointer = reactor.sandtier_alloc(bytes.length)
      new Uint8Array(memory.buffer, pointer, bytes.length).set(bytes)
      code = reactor.sandtier_run(pointer, bytes.length)
      reactor.sandtier_free(pointer)
    }
    return {
      status: code,
      stdout: readFileSync(join(dir, 'stdout'), 'utf8'),
      stderr: readFileSync(join(dir, 'stderr'), 'utf8'),
    }
  } finally {
    closeSync(stdoutFd)
    closeSync(stderrFd)
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('python.wasm built by scripts/build-python-wasm.sh', () => {
  it('prints 2 for print(1+1)', async (ctx) => {
    if (!status.available) return ctx.skip(status.reason)
    const outcome = await runPython(status.artifacts, 'print(1+1)')
    expect(outcome).toEqual({ status: 0, stdout: '2\n', stderr: '' })
  })

  it('imports json from the standard library zip', async (ctx) => {
    if (!status.available) return ctx.skip(status.reason)
    const outcome = await runPython(
      status.artifacts,
      'import json\nprint(json.dumps({"a": [1, 2]}))',
    )
    expect(outcome).toEqual({ status: 0, stdout: '{"a": [1, 2]}\n', stderr: '' })
  })

  it('writes UTF-8 to stdout', async (ctx) => {
    if (!status.available) return ctx.skip(status.reason)
    const outcome = await runPython(status.artifacts, 'print("é€ 日本")')
    expect(outcome).toEqual({ status: 0, stdout: 'é€ 日本\n', stderr: '' })
  })

  it('ends with status 3 for SystemExit(3), not by leaving the instance', async (ctx) => {
    if (!status.available) return ctx.skip(status.reason)
    const outcome = await runPython(status.artifacts, 'raise SystemExit(3)')
    expect(outcome).toEqual({ status: 3, stdout: '', stderr: '' })
  })

  it('raises MemoryError past the host-set memory maximum', async (ctx) => {
    if (!status.available) return ctx.skip(status.reason)
    const outcome = await runPython(status.artifacts, 'b = bytearray(128 * 1024 * 1024)')
    expect(outcome.stderr.trimEnd().split('\n').at(-1)).toBe('MemoryError')
  })
})
