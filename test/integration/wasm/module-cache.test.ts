import { execFile } from 'node:child_process'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import type { WasmTier } from '../../../src/tiers/wasm/wasm-tier.js'
import * as as from '../../fixtures/wasm/as-sources.js'
import { newTier, request, sandbox, tempCacheDir } from '../../fixtures/wasm/tier-helpers.js'

const tiers: WasmTier[] = []
afterAll(() => Promise.all(tiers.map((t) => t.close())))

function tierWith(cacheDir: string): WasmTier {
  const tier = newTier({ cacheDir })
  tiers.push(tier)
  return tier
}

// A fresh process with only the built package: what a second run of a program would see.
async function statsInNewProcess(
  cacheDir: string,
  code: string,
): Promise<{ stats: Record<string, number>; value: unknown }> {
  const tierUrl = new URL('../../../dist/tiers/wasm/wasm-tier.js', import.meta.url).href
  const configUrl = new URL('../../../dist/config.js', import.meta.url).href
  const script = `
    const { WasmTier } = await import(${JSON.stringify(tierUrl)})
    const { resolveConfig } = await import(${JSON.stringify(configUrl)})
    const tier = new WasmTier({ cacheDir: ${JSON.stringify(cacheDir)} })
    const sb = await tier.createSandbox(resolveConfig({ type: 'wasm', language: 'assemblyscript' }))
    const r = await sb.execute({ code: ${JSON.stringify(code)}, language: 'assemblyscript', input: 1, timeoutMs: 10000 })
    console.log(JSON.stringify({ stats: tier.cacheStats, value: r.value }))
    await tier.close()
  `
  // A file, not `--input-type=module -e`: worker threads inherit execArgv, and --input-type breaks them.
  const file = join(cacheDir, 'second-process.mjs')
  await writeFile(file, script)
  const { stdout } = await promisify(execFile)(process.execPath, [file])
  return JSON.parse(stdout.trim()) as { stats: Record<string, number>; value: unknown }
}

describe('compiled module cache', () => {
  it('serves a second compile of the same source from memory', async () => {
    const tier = tierWith(tempCacheDir())
    const sb = await sandbox(tier, { language: 'assemblyscript' })
    const first = await sb.execute(request({ code: as.hello, input: 1 }))
    const second = await sb.execute(request({ code: as.hello, input: 2 }))
    expect(first.value).toEqual({ greeting: 'hello', input: 1 })
    expect(second.value).toEqual({ greeting: 'hello', input: 2 })
    expect(tier.cacheStats).toEqual({ memoryHits: 1, diskHits: 0, misses: 1 })
    expect(second.durationMs).toBeLessThan(first.durationMs)
  })

  it('serves a new process from disk, without compiling', async () => {
    const dir = tempCacheDir()
    const sb = await sandbox(tierWith(dir), { language: 'assemblyscript' })
    await sb.execute(request({ code: as.hello }))
    expect((await readdir(dir)).filter((f) => f.endsWith('.wasm'))).toHaveLength(1)
    const other = await statsInNewProcess(dir, as.hello)
    expect(other.stats).toEqual({ memoryHits: 0, diskHits: 1, misses: 0 })
    expect(other.value).toEqual({ greeting: 'hello', input: 1 })
  })

  it('ignores and replaces a corrupt disk entry', async () => {
    const dir = tempCacheDir()
    await (
      await sandbox(tierWith(dir), { language: 'assemblyscript' })
    ).execute(request({ code: as.hello }))
    const [file] = (await readdir(dir)).filter((f) => f.endsWith('.wasm'))
    await writeFile(join(dir, file as string), 'STWASM01 definitely not a module')
    const fresh = tierWith(dir)
    const result = await (
      await sandbox(fresh, { language: 'assemblyscript' })
    ).execute(request({ code: as.hello, input: 3 }))
    expect(result.value).toEqual({ greeting: 'hello', input: 3 })
    expect(fresh.cacheStats).toEqual({ memoryHits: 0, diskHits: 0, misses: 1 })
  })
})
