/** Source preparation for containers runs in workers (built in dist/), under the run's deadline and signal. */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { prepareOffThread } from '../../../src/tiers/container/js-source-pool.js'

/** ~`bytes` of token-dense TypeScript: about 2 s of a core per MiB to strip and parse. */
function denseTypeScript(bytes: number): string {
  const parts: string[] = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const line = `export const v${i}: Array<number> = [1, 2, 3].map((x: number): number => x * 2);\n`
    parts.push(line)
    size += line.length
  }
  return parts.join('')
}

describe('prepareOffThread', () => {
  it('strips types and picks module mode in a worker', async () => {
    expect(await prepareOffThread('const a: number = 1; a', 'typescript', bounds(5000))).toEqual({
      ok: true,
      source: { code: 'const a = 1; a', isModule: false },
    })
    expect(await prepareOffThread('const x: = ;', 'typescript', bounds(5000))).toMatchObject({
      ok: false,
      reason: 'syntax',
    })
  })

  it('I12-8: ends at the deadline without blocking the event loop', async () => {
    const code = denseTypeScript(1024 * 1024)
    const delay = monitorEventLoopDelay({ resolution: 10 })
    delay.enable()
    const started = Date.now()
    const outcome = await prepareOffThread(code, 'typescript', bounds(300))
    const tookMs = Date.now() - started
    delay.disable()
    expect(outcome).toEqual({ ok: false, reason: 'timeout' })
    expect(tookMs).toBeLessThan(300 + 250)
    expect(delay.max / 1e6).toBeLessThan(250)
    // The next preparation gets a fresh worker.
    expect(await prepareOffThread('1', 'javascript', bounds(5000))).toMatchObject({ ok: true })
  })

  it('ends when the signal aborts, also while waiting for a worker', async () => {
    const code = denseTypeScript(512 * 1024)
    const controller = new AbortController()
    const runs = [1, 2, 3].map(() =>
      prepareOffThread(code, 'typescript', { timeoutMs: 20_000, signal: controller.signal }),
    )
    setTimeout(() => controller.abort(), 50)
    expect(await Promise.all(runs)).toEqual(
      [1, 2, 3].map(() => ({ ok: false, reason: 'cancelled' })),
    )
    expect(await prepareOffThread('1', 'javascript', bounds(5000))).toMatchObject({ ok: true })
  })
})

function bounds(timeoutMs: number): { timeoutMs: number; signal: undefined } {
  return { timeoutMs, signal: undefined }
}
