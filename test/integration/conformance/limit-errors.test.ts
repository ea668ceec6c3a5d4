/**
 * Cross-tier conformance of limit outcomes: the same limit gives the same status, error name, code and text
 * on every tier, whichever mechanism stopped the run (QuickJS's interrupt, a wasm worker's deadline, a
 * container's cgroup or our deadline kill).
 */
import { describe, expect, it } from 'vitest'
import { type Language, type TierId } from '../../../src/index.js'
import { useFileManager } from '../../fixtures/sandtier.js'

const { manager } = useFileManager({})

type Outcome = 'timeout' | 'cpu' | 'memory' | 'output' | 'cancelled'

const MEMORY = 64 * 1024 * 1024

const EXPECTED: Record<Outcome, { name: string; code: string; message: RegExp }> = {
  timeout: {
    name: 'TimeoutError',
    code: 'ERR_TIMEOUT',
    message: /^The run exceeded its wall-clock limit of 1000 ms/,
  },
  cpu: {
    name: 'CpuLimitExceeded',
    code: 'ERR_CPU',
    message: /^The run exceeded its CPU time limit of 300 ms/,
  },
  memory: {
    name: 'MemoryLimitExceeded',
    code: 'ERR_MEMORY',
    message: /^The run exceeded its memory limit of 64 MiB/,
  },
  output: {
    name: 'OutputLimitExceeded',
    code: 'ERR_OUTPUT',
    message: /^Output exceeded maxOutputBytes \(10000 bytes\)$/,
  },
  cancelled: { name: 'CancelledError', code: 'ERR_CANCELLED', message: /^The run was cancelled$/ },
}

const AS_SPIN = 'export function main(i: string): string { while (true) {} return "" }'
const PROGRAMS: Record<TierId, { language: Language; code: Record<Outcome, string> }> = {
  quickjs: {
    language: 'javascript',
    code: {
      timeout: 'for (;;) {}',
      cpu: 'for (;;) {}',
      memory: 'const a = []; for (;;) a.push(new Array(1e5).fill(1))',
      output: 'for (;;) console.log("xxxxxxxxxx")',
      cancelled: 'for (;;) {}',
    },
  },
  wasm: {
    language: 'assemblyscript',
    code: {
      timeout: AS_SPIN,
      cpu: AS_SPIN,
      memory:
        'export function main(i: string): string { const a: Array<Array<i32>> = []; while (true) { a.push(new Array<i32>(100000)) } return "" }',
      output:
        'import { log } from "sandtier"\nexport function main(i: string): string { while (true) { log("xxxxxxxxxx") } return "" }',
      cancelled: AS_SPIN,
    },
  },
  docker: {
    language: 'python',
    code: {
      timeout: 'while True: pass',
      cpu: 'while True: pass',
      // Strings, not bytearray(n): calloc'd pages are not touched, so the cgroup would count them late.
      memory: 'a = []\nwhile True: a.append(" " * 10**6)',
      output: 'while True: print("xxxxxxxxxx")',
      cancelled: 'while True: pass',
    },
  },
  gvisor: {
    language: 'python',
    code: { timeout: '', cpu: '', memory: '', output: '', cancelled: '' },
  },
  pywasm: {
    language: 'python',
    code: { timeout: '', cpu: '', memory: '', output: '', cancelled: '' },
  },
}
PROGRAMS.gvisor = PROGRAMS.docker
// The same Python programs: CPython on WASI in process.
PROGRAMS.pywasm = PROGRAMS.docker

const TIERS: TierId[] = ['quickjs', 'wasm', 'pywasm', 'docker', 'gvisor']
const OUTCOMES: Outcome[] = ['timeout', 'cpu', 'memory', 'output', 'cancelled']

describe.each(TIERS)('limit errors on %s', (tier) => {
  it.each(OUTCOMES)('%s', async (outcome) => {
    const { language, code } = PROGRAMS[tier]
    const limits =
      outcome === 'cpu'
        ? { cpuTime: 300, executionTime: 10_000 }
        : { executionTime: outcome === 'timeout' ? 1000 : 10_000, maxOutputBytes: 10_000 }
    const id = await manager.createSandbox({ type: tier, language, memoryLimit: MEMORY, limits })
    try {
      const controller = new AbortController()
      if (outcome === 'cancelled') setTimeout(() => controller.abort(), 500)
      const r = await manager.execute(id, { code: code[outcome], signal: controller.signal })
      expect(r.status).toBe(outcome)
      const expected = EXPECTED[outcome]
      expect(r.error).toMatchObject({ name: expected.name, code: expected.code })
      expect(r.error?.message).toMatch(expected.message)
    } finally {
      await manager.destroy(id)
    }
  })
})
