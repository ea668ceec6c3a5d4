/**
 * The engine going away mid-run (scripts/engine-down.sh) and coming back (scripts/engine-up.sh): runs in
 * flight end as 'crashed' (their exec had started, so the engine's end is classified, never thrown), never
 * hang; while it is down, new sandboxes are a TierUnavailableError; once it is back, new sandboxes work on both
 * runtimes and an old sandbox gets a new container.
 *
 * Order: this file does not need to run last, and no file depends on running before it. Integration files run
 * one at a time (vitest.config.ts), and whatever happens here, afterAll brings the engine back and waits until
 * it answers and the sandbox image is there (scripts/engine-up.sh runs it on runc and runsc), so any file may
 * follow. (It used to be named zz-… to run last; vitest orders files by size and past durations, not by name.)
 */
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EngineError, TierUnavailableError } from '../../../src/errors.js'
import type { ContainerSandbox } from '../../../src/tiers/container/container-sandbox.js'
import type { ExecResult } from '../../../src/types.js'
import {
  KINDS,
  config,
  docker,
  ensureImage,
  expectNoContainers,
  makeTier,
  request,
} from './helpers.js'
import { execInContainer, waitFor } from '../security/container-host-helpers.js'

beforeAll(() => ensureImage())

const engineScript = (name: 'engine-down' | 'engine-up'): void => {
  execFileSync('bash', [`scripts/${name}.sh`], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 180_000,
  })
}

type Outcome = { result: ExecResult } | { error: unknown }

/** The engine answers and has the sandbox image: what every other container test needs. */
async function engineReady(): Promise<void> {
  await docker.ping()
  await docker.getImage('sandtier-sandbox:latest').inspect()
}

/** Resolves once the sandbox's container runs `sleep 100` (the run is in flight, past its exec start). */
async function sleeping(sandbox: ContainerSandbox): Promise<void> {
  const id = await sandbox.containerId()
  const cmdlines = ['sh', '-c', 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " "']
  await waitFor(async () =>
    (await execInContainer(id, cmdlines)).stdout.includes('sleep 100') ? true : undefined,
  )
}

describe('the Docker engine going away mid-run', () => {
  const tiers = KINDS.map((kind) => makeTier(kind, { poolSize: 0 }))

  afterAll(async () => {
    // Whatever failed above, the engine is back and answering before the next file starts.
    engineScript('engine-up')
    await engineReady()
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
        await Promise.all(sandboxes.map((s) => sleeping(s)))
        const downAt = Date.now()
        engineScript('engine-down')
        const outcomes = await Promise.all(runs)
        // Bounded by the engine's own shutdown (it stops the containers), far from the runs' 100 s.
        expect(Date.now() - downAt).toBeLessThan(60_000)
        // The error's code is left open: ERR_ENGINE when the host sees the engine gone first, the container's
        // own death otherwise (the engine stops containers as it shuts down); both are 'crashed'.
        for (const outcome of outcomes)
          expect(outcome, JSON.stringify(outcome)).toMatchObject({ result: { status: 'crashed' } })
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
