/**
 * The engine going away mid-run (scripts/engine-down.sh) and coming back (scripts/engine-up.sh): runs in
 * flight end as 'crashed' (or reject with EngineError), never hang; while it is down, new sandboxes are a
 * TierUnavailableError; once it is back, new sandboxes work on both runtimes and an old sandbox gets a new
 * container. Runs last (its own file) and always brings the engine back in `finally`.
 */
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EngineError, TierUnavailableError } from '../../../src/errors.js'
import type { ExecResult } from '../../../src/types.js'
import { KINDS, config, ensureImage, expectNoContainers, makeTier, request } from './helpers.js'

beforeAll(() => ensureImage())

const engineScript = (name: 'engine-down' | 'engine-up'): void => {
  execFileSync('bash', [`scripts/${name}.sh`], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 180_000,
  })
}

type Outcome = { result: ExecResult } | { error: unknown }

describe('the Docker engine going away mid-run', () => {
  const tiers = KINDS.map((kind) => makeTier(kind, { poolSize: 0 }))

  afterAll(async () => {
    await Promise.all(tiers.map((t) => t.close()))
    for (const tier of tiers) await expectNoContainers(tier)
  })

  it(
    'ends runs in flight without hanging, refuses new sandboxes while down, and recovers',
    { timeout: 300_000 },
    async () => {
      const sandboxes = await Promise.all(
        tiers.map((t) => t.createSandbox(config({ limits: { executionTime: 120_000 } }))),
      )
      try {
        const runs = sandboxes.map((s) =>
          s.execute(request('echo started; sleep 100', 'shell', { timeoutMs: 120_000 })).then(
            (result): Outcome => ({ result }),
            (error: unknown): Outcome => ({ error }),
          ),
        )
        await new Promise((r) => setTimeout(r, 1500))
        const downAt = Date.now()
        engineScript('engine-down')
        const outcomes = await Promise.all(runs)
        // Bounded by the engine's own shutdown (it stops the containers), far from the runs' 100 s.
        expect(Date.now() - downAt).toBeLessThan(60_000)
        for (const outcome of outcomes) {
          if ('error' in outcome) expect(outcome.error).toBeInstanceOf(EngineError)
          else
            expect(outcome.result, JSON.stringify(outcome.result)).toMatchObject({
              status: 'crashed',
            })
        }
        for (const tier of tiers)
          await expect(tier.createSandbox(config())).rejects.toBeInstanceOf(TierUnavailableError)
        await expect(sandboxes[0]!.execute(request('echo down'))).rejects.toBeInstanceOf(
          EngineError,
        )
      } finally {
        engineScript('engine-up')
      }
      for (const tier of tiers) {
        const fresh = await tier.createSandbox(config())
        expect(await fresh.execute(request('echo back'))).toMatchObject({
          status: 'ok',
          stdout: 'back\n',
        })
        await fresh.close()
      }
      // The old sandboxes lost their containers with the engine: they get new ones.
      for (const sandbox of sandboxes) {
        expect(await sandbox.execute(request('echo again'))).toMatchObject({
          status: 'ok',
          stdout: 'again\n',
        })
        await sandbox.close()
      }
    },
  )
})
