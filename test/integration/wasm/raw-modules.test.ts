import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ValidationError } from '../../../src/errors.js'
import type { WasmTier } from '../../../src/tiers/wasm/wasm-tier.js'
import * as modules from '../../fixtures/wasm/modules.js'
import { newTier, request, sandbox } from '../../fixtures/wasm/tier-helpers.js'

let tier: WasmTier

beforeAll(async () => {
  tier = newTier({ maxWorkers: 2 })
  await tier.warm()
})
afterAll(() => tier.close())

const run = async (
  wasmBinary: Uint8Array,
  fields: Parameters<typeof request>[0] = {},
  config = {},
) =>
  (await sandbox(tier, { language: 'wasm', ...config })).execute(request({ wasmBinary, ...fields }))

async function refusal(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ValidationError)
  return error as ValidationError
}

describe('raw modules: plain runs', () => {
  it('calls an export by name with numeric args, without any memory', async () => {
    const result = await run(modules.addModule(), { fn: 'add', args: [40, 2] })
    expect(result).toMatchObject({ status: 'ok', value: 42, tier: 'wasm', exitCode: 0 })
    expect(result.usage.memoryPeakBytes).toBe(0)
  })

  it('refuses an unknown fn or non-numeric args with a ValidationError', async () => {
    const unknown = await refusal(run(modules.addModule(), { fn: 'nope' }))
    expect(unknown.message).toContain('exported functions: add')
    await refusal(run(modules.addModule(), { fn: 'add', args: ['a', 1] }))
    await refusal(run(modules.addModule(), { fn: 'add', args: [1] }))
  })

  it('bridges numeric host functions imported from `host`', async () => {
    const result = await run(
      modules.hostTwice(),
      { fn: 'run', args: [21] },
      { hostFunctions: { twice: (x: unknown) => (x as number) * 2 } },
    )
    expect(result).toMatchObject({ status: 'ok', value: 42 })
    expect(result.usage.hostCalls).toBe(1)
  })

  it('gives every run a zeroed memory, whatever the previous run left in it', async () => {
    const sb = await sandbox(tier, { language: 'wasm' })
    const poked = await sb.execute(
      request({ wasmBinary: modules.pokePeek(), fn: 'poke', args: [1234] }),
    )
    expect(poked.status).toBe('ok')
    for (let i = 0; i < 4; i++) {
      const peeked = await sb.execute(request({ wasmBinary: modules.pokePeek(), fn: 'peek' }))
      expect(peeked.value).toBe(0)
    }
  })
})

describe('raw modules: refused before they run', () => {
  it('refuses a module that defines its own 65536-page memory', async () => {
    const error = await refusal(run(modules.ownMemory(65536)))
    expect(error.details.join('\n')).toMatch(
      /defines its own memory \(65536 pages\).*must import env\.memory/,
    )
  })

  it('refuses a data segment larger than the memory limit', async () => {
    const error = await refusal(run(modules.dataSegment(0, 256 * 1024), {}, { maxMemoryPages: 2 }))
    expect(error.details.join('\n')).toMatch(
      /data segment 0: ends at byte 262144, past the memory limit of 131072 bytes/,
    )
  })

  it('reports a data segment past the initial memory (but within the limit) as memory', async () => {
    const result = await run(modules.dataSegment(3 * 65536, 16), {}, { maxMemoryPages: 16 })
    expect(result.status).toBe('memory')
  })

  it('refuses an import with the wrong signature', async () => {
    const error = await refusal(run(modules.wrongSignature()))
    expect(error.details).toContain(
      'env.abort: wrong signature, expected (i32, i32, i32, i32) -> (), got (i32) -> ()',
    )
  })

  it('refuses disallowed imports and lists every one', async () => {
    const error = await refusal(run(modules.disallowedImports()))
    expect(error.details).toEqual([
      'env.system (function): not allowed',
      'wasi_snapshot_preview1.sock_send (function): not allowed',
      'env.secret (global): not allowed',
    ])
  })

  it('refuses shared memory and oversized modules', async () => {
    await refusal(run(modules.sharedMemory()))
    const big = await refusal(
      newTier({ maxModuleBytes: 64 }).createSandbox(
        (await import('../../../src/config.js')).resolveConfig({
          type: 'wasm',
          language: 'wasm',
          wasmBinary: modules.traps(),
        }),
      ),
    )
    expect(big.message).toMatch(/more than the 64 allowed/)
  })

  it('refuses a bad config wasmBinary at createSandbox', async () => {
    await refusal(sandbox(tier, { language: 'wasm', wasmBinary: modules.ownMemory(2) }))
  })
})

describe('raw modules: limits', () => {
  it.each([
    ['main', modules.spinInMain],
    ['the start function', modules.spinInStart],
  ])('stops an infinite loop in %s at the deadline (+250 ms at most)', async (_where, build) => {
    const started = performance.now()
    const result = await run(build(), { timeoutMs: 300 })
    const elapsed = performance.now() - started
    expect(result.status).toBe('timeout')
    expect(result.error).toMatchObject({ code: 'ERR_TIMEOUT' })
    expect(elapsed).toBeLessThan(300 + 250)
    // The worker was replaced: the next run works.
    expect((await run(modules.addModule(), { fn: 'add', args: [1, 2] })).value).toBe(3)
  })

  it('reports a memory.grow loop as memory at maxMemoryPages', async () => {
    const result = await run(modules.growLoop(), {}, { maxMemoryPages: 32 })
    expect(result.status).toBe('memory')
    expect(result.error?.code).toBe('ERR_MEMORY')
    expect(result.usage.memoryPeakBytes).toBe(32 * 65536)
  })

  it('stops at the CPU budget when it is below the wall limit', async () => {
    const result = await run(
      modules.spinInMain(),
      { timeoutMs: 5000 },
      { limits: { cpuTime: 200 } },
    )
    expect(result.status).toBe('cpu')
  })

  it('cancels a run through its signal', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const result = await run(modules.spinInMain(), { signal: controller.signal })
    expect(result.status).toBe('cancelled')
  })

  it('cancels running guests when the sandbox closes, and refuses new runs', async () => {
    const sb = await sandbox(tier, { language: 'wasm' })
    const running = sb.execute(request({ wasmBinary: modules.spinInMain() }))
    setTimeout(() => void sb.close(), 100)
    expect((await running).status).toBe('cancelled')
    await expect(
      sb.execute(request({ wasmBinary: modules.addModule(), fn: 'add', args: [1, 1] })),
    ).rejects.toThrow(/closed/)
  })
})

describe('raw modules: traps', () => {
  it.each([
    ['unreachable', 'unreachable'],
    ['div_zero', 'divide-by-zero'],
    ['overflow', 'integer-overflow'],
    ['oob', 'out-of-bounds'],
    ['recurse', 'stack-overflow'],
  ])('%s → error with trap kind %s', async (fn, trap) => {
    const result = await run(modules.traps(), { fn })
    expect(result.status).toBe('error')
    expect(result.error?.details).toMatchObject({ kind: 'trap', trap })
  })

  it.each([
    [0xffffff00, 0x7fffffff],
    [-1, 10],
    [65536 - 2, 4],
  ])('faults a hostile pointer/length pair (%d, %d) passed to sandtier.log', async (ptr, len) => {
    const result = await run(modules.hostileLog(ptr, len))
    expect(result.status).toBe('error')
    expect(result.error?.details).toMatchObject({ kind: 'host-call' })
  })
})

describe('raw modules: WASI', () => {
  it('runs a WASI hello with captured stdout', async () => {
    const result = await run(modules.wasiHello())
    expect(result).toMatchObject({ status: 'ok', stdout: 'hello from wasi\n', exitCode: 0 })
  })

  it('reads stdin from the request', async () => {
    const result = await run(modules.wasiEcho(), { stdin: 'echo me\n' })
    expect(result).toMatchObject({ status: 'ok', stdout: 'echo me\n' })
  })

  it('reports a non-zero proc_exit and stderr', async () => {
    const result = await run(modules.wasiHello('bad things\n', 3, 2))
    expect(result).toMatchObject({ status: 'error', stderr: 'bad things\n', exitCode: 3 })
  })

  it('stops output at maxOutputBytes with status output', async () => {
    const result = await run(modules.wasiFlood(), {}, { limits: { maxOutputBytes: 1000 } })
    expect(result.status).toBe('output')
    expect(result.truncated).toBe(true)
    expect(Buffer.byteLength(result.stdout)).toBe(1000)
  })
})
