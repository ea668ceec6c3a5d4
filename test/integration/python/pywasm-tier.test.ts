/**
 * The pywasm tier through the manager: CPython on WASI in worker threads, one REPL per sandbox, the value and
 * input rules of the container harness, stdin, streaming, the in-memory /work folder, and every bad input of
 * issue 20 (I20-…): limit outcomes or clear errors, the host and the other sandboxes untouched. Skipped, with
 * the reason, where scripts/build-python-wasm.sh has not built the artifacts.
 */
import { describe, expect, it } from 'vitest'
import type { ExecRequest, SandboxConfig } from '../../../src/index.js'
import { locatePythonWasm } from '../../../src/tiers/python/artifacts.js'
import { useFileManager } from '../../fixtures/sandtier.js'

const status = await locatePythonWasm()
const skipReason = status.available ? undefined : status.reason
const { manager } = useFileManager({ tiers: { pywasm: { maxWorkers: 2 } } })

const PY: SandboxConfig = { type: 'pywasm', language: 'python', limits: { executionTime: 10_000 } }

async function sandbox(config: SandboxConfig = {}): Promise<string> {
  return manager.createSandbox({ ...PY, ...config, limits: { ...PY.limits, ...config.limits } })
}

async function once(request: string | ExecRequest, config: SandboxConfig = {}) {
  return manager.runOnce({ ...PY, ...config, limits: { ...PY.limits, ...config.limits } }, request)
}

describe.skipIf(skipReason !== undefined)('pywasm tier', () => {
  it('prints, and the last expression is the value', async () => {
    const r = await once('print("hi")\n6 * 7')
    expect(r).toMatchObject({
      status: 'ok',
      tier: 'pywasm',
      stdout: 'hi\n',
      value: 42,
      exitCode: 0,
    })
  })

  it('main(input) gives the value when the code defines main and does not call it', async () => {
    const r = await once({ code: 'def main(data):\n    return data["n"] + 1', input: { n: 1 } })
    expect(r.value).toBe(2)
  })

  it('stdin is the request’s', async () => {
    const r = await once({ code: 'import sys\nsys.stdin.read().upper()', stdin: 'abc' })
    expect(r.value).toBe('ABC')
  })

  it('keeps globals between runs of a sandbox (a REPL)', async () => {
    const id = await sandbox()
    await manager.execute(id, 'counter = 41')
    const r = await manager.execute(id, 'counter += 1\ncounter')
    expect(r.value).toBe(42)
    await manager.destroy(id)
  })

  it('streams output to onOutput in the order written', async () => {
    const chunks: string[] = []
    const r = await once({
      code: 'import sys\nprint("a")\nprint("b", file=sys.stderr)\nprint("c")',
      onOutput: (chunk) => chunks.push(`${chunk.stream}:${chunk.text}`),
    })
    expect(chunks.join('')).toBe('stdout:a\nstderr:b\nstdout:c\n')
    expect(r.stdout).toBe('a\nc\n')
  })

  it('sees the sandbox folder at /work, and what it writes under out/ comes back', async () => {
    const id = await sandbox()
    await manager.writeFile(id, 'data.txt', 'from the host')
    const r = await manager.execute(
      id,
      "import os\nos.makedirs('out', exist_ok=True)\nopen('out/r.txt', 'w').write(open('/work/data.txt').read().upper())\nos.getcwd()",
    )
    expect(r.value).toBe('/work')
    expect(new TextDecoder().decode(await manager.readFile(id, 'out/r.txt'))).toBe('FROM THE HOST')
    expect(r.files?.map((f) => f.path)).toEqual(['out/r.txt'])
    await manager.destroy(id)
  })

  it('a new sandbox sees nothing of an earlier one, and has its own random state', async () => {
    const a = await sandbox()
    await manager.execute(a, 'secret = "tenant A"')
    const first = await manager.execute(a, 'import random\nrandom.random()')
    const b = await sandbox()
    const r = await manager.execute(b, "'secret' in globals()")
    expect(r.value).toBe(false)
    const second = await manager.execute(b, 'import random\nrandom.random()')
    expect(second.value).not.toBe(first.value)
    await manager.destroy(a)
    await manager.destroy(b)
  })

  it('I20-1: an infinite loop ends as timeout and resets the interpreter, saying so', async () => {
    const id = await sandbox({ limits: { executionTime: 1000 } })
    await manager.execute(id, 'kept = 1')
    const r = await manager.execute(id, 'while True: pass')
    expect(r.status).toBe('timeout')
    expect(r.error?.details).toEqual({ interpreterReset: true })
    const after = await manager.execute(id, "'kept' in globals()")
    expect(after.value).toBe(false)
    await manager.destroy(id)
  })

  it('I20-2: a memory bomb ends as memory at the sandbox memoryLimit', async () => {
    const r = await once('a = []\nwhile True: a.append(" " * 10**6)', {
      memoryLimit: 48 * 1024 * 1024,
    })
    expect(r.status).toBe('memory')
    expect(r.usage.memoryPeakBytes).toBeLessThanOrEqual(48 * 1024 * 1024)
  })

  it('I20-3: deep Python recursion is a RecursionError', async () => {
    const r = await once('def f(n): return f(n + 1)\nf(0)')
    expect(r).toMatchObject({ status: 'error', error: { name: 'RecursionError' } })
  })

  it('I20-4: huge output ends as output at maxOutputBytes', async () => {
    const r = await once('while True: print("x" * 1000)', { limits: { maxOutputBytes: 10_000 } })
    expect(r.status).toBe('output')
    expect(Buffer.byteLength(r.stdout)).toBeLessThanOrEqual(10_000)
  })

  it('I20-5: a C-level crash of the interpreter ends as crashed', async () => {
    const r = await once('import faulthandler\nfaulthandler._sigsegv()')
    expect(r).toMatchObject({ status: 'crashed', error: { code: 'ERR_CRASHED' } })
  })

  it.each([
    ['import ctypes', 'ctypes'],
    ['import sqlite3', 'sqlite3'],
    ['import ssl', 'network'],
    ['import socket\nsocket.socket()', 'network'],
    ['import subprocess\nsubprocess.run(["ls"])', 'subprocess'],
    ['import os\nos.system("ls")', 'subprocess'],
    ['import threading\nthreading.Thread(target=print).start()', 'threads'],
    ['import numpy', 'package:numpy'],
  ])(
    'I20-6: %s needs a container: ERR_CAPABILITY_REQUIRED with its capability',
    async (code, capability) => {
      const r = await once(code)
      expect(r).toMatchObject({
        status: 'error',
        error: { code: 'ERR_CAPABILITY_REQUIRED', details: { capability } },
      })
    },
  )

  it('I20-7: writing past diskSpace is a clear error and the folder keeps what fit', async () => {
    const id = await sandbox({ limits: { diskSpace: 1024 * 1024 } })
    const r = await manager.execute(id, "open('big.bin', 'wb').write(b'x' * 2_000_000)")
    expect(r).toMatchObject({ status: 'error', error: { code: 'ERR_RESOURCE_EXCEEDED' } })
    expect(r.error?.message).toMatch(/diskSpace/)
    await manager.destroy(id)
  })

  it('I20-8: a neighbour’s timeout leaves another sandbox’s globals in place', async () => {
    const keeper = await sandbox()
    await manager.execute(keeper, 'kept = "still here"')
    const spinner = await sandbox({ limits: { executionTime: 500 } })
    const spun = await Promise.all(
      [1, 2].map(() =>
        manager.runOnce({ ...PY, limits: { executionTime: 500 } }, 'while True: pass'),
      ),
    )
    expect(spun.map((r) => r.status)).toEqual(['timeout', 'timeout'])
    const r = await manager.execute(keeper, 'kept')
    expect(r.value).toBe('still here')
    await manager.destroy(spinner)
    await manager.destroy(keeper)
  })
})

describe.skipIf(skipReason !== undefined)('auto-mode Python', () => {
  it('runs on pywasm first', async () => {
    const r = await manager.runOnce({ language: 'python' }, '1 + 1')
    expect(r).toMatchObject({ status: 'ok', tier: 'pywasm', value: 2, escalations: [] })
  })

  it('I20-9: code that needs ctypes escalates to gvisor, recorded in escalations', async () => {
    const r = await manager.runOnce(
      { language: 'python', limits: { executionTime: 60_000 } },
      'import ctypes\nctypes.sizeof(ctypes.c_int)',
    )
    expect(r).toMatchObject({
      status: 'ok',
      tier: 'gvisor',
      value: 4,
      escalations: [{ from: 'pywasm', to: 'gvisor', reason: 'capability:ctypes' }],
    })
  })
})
