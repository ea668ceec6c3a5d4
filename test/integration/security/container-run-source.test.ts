/**
 * Issue 12 finding 8 (first two parts), container side: JavaScript/TypeScript is prepared off the host's
 * main thread and bounded (15 MiB of TypeScript used to block the event loop 7–10 s): source over
 * maxSourceBytes is refused, source under it is prepared in a worker under the run's deadline. A volume whose
 * directory holds an engine socket anywhere below it is refused (only the socket path itself used to be).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { ConfigError } from '../../../src/errors.js'
import type { ContainerSandbox } from '../../../src/tiers/container/container-sandbox.js'
import { KINDS, test } from '../../fixtures/sandtier.js'
import { config, ensureImage, request } from '../container/helpers.js'

const MiB = 1024 * 1024
let socketDir: string
let server: Server

beforeAll(async () => {
  ensureImage()
  // A directory with an engine-like socket two levels down.
  socketDir = mkdtempSync(join(tmpdir(), 'sandtier-i12-8-'))
  mkdirSync(join(socketDir, 'run/engine'), { recursive: true })
  server = createServer()
  await new Promise<void>((resolve) =>
    server.listen(join(socketDir, 'run/engine/docker.sock'), resolve),
  )
})
afterAll(() => {
  server.close()
  rmSync(socketDir, { recursive: true, force: true })
})

/** ~`bytes` of token-dense TypeScript: about 2 s of a core per MiB to strip types from. */
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

/** Runs `fn` and returns the event loop's longest delay meanwhile, in ms. */
async function loopDelayDuring(fn: () => Promise<void>): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  try {
    await fn()
  } finally {
    delay.disable()
  }
  return delay.max / 1e6
}

describe.each(KINDS)('%s: source preparation and volumes (I12-8)', (kind) => {
  test.override({ kind })

  test('I12-8: 15 MiB of TypeScript is refused with a ConfigError naming maxSourceBytes, the loop free', async ({
    containerSandbox: sandbox,
  }) => {
    const code = denseTypeScript(15 * MiB)
    const maxDelayMs = await loopDelayDuring(async () => {
      const run = sandbox.execute(request(code, 'typescript'))
      await expect(run).rejects.toBeInstanceOf(ConfigError)
      await expect(run).rejects.toMatchObject({ option: 'maxSourceBytes' })
    })
    expect(maxDelayMs).toBeLessThan(250)
  })

  test("I12-8: TypeScript within the cap ends 'timeout' at its deadline while the loop stays free", async ({
    containerSandbox: sandbox,
  }) => {
    const code = denseTypeScript(MiB - 4096)
    let result: Awaited<ReturnType<ContainerSandbox['execute']>> | undefined
    const started = Date.now()
    const maxDelayMs = await loopDelayDuring(async () => {
      result = await sandbox.execute(request(code, 'typescript', { timeoutMs: 400 }))
    })
    expect(result).toMatchObject({ status: 'timeout', error: { code: 'ERR_TIMEOUT' } })
    expect(Date.now() - started).toBeLessThan(400 + 250)
    expect(maxDelayMs).toBeLessThan(250)
    // The sandbox is untouched: nothing ran in it.
    expect(await sandbox.execute(request('1 + 1', 'typescript'))).toMatchObject({
      status: 'ok',
      value: 2,
    })
  })

  test("I12-8: an escalated run's source preparation ends 'timeout' at the caller's deadline, not a fresh limit", async ({
    containerSandbox: sandbox,
  }) => {
    const code = denseTypeScript(MiB - 4096)
    const started = performance.now()
    // The first attempt used up all but 400 ms of a 30 s limit.
    const result = await sandbox.execute(request(code, 'typescript', { timeoutMs: 30_000 }), {
      notAfterMs: started + 400,
    })
    expect(result).toMatchObject({ status: 'timeout', error: { code: 'ERR_TIMEOUT' } })
    expect(performance.now() - started).toBeLessThan(400 + 250)
  })

  test('I12-8: a volume whose directory holds a socket below it is refused, naming the option', async ({
    tier,
  }) => {
    const create = tier.createSandbox(
      config({ volumes: [{ hostPath: socketDir, containerPath: '/data', readOnly: true }] }),
    )
    await expect(create).rejects.toBeInstanceOf(ConfigError)
    await expect(create).rejects.toMatchObject({ option: 'volumes[0].hostPath' })
    await expect(create).rejects.toThrow(/Unix socket .*docker\.sock/)
  })
})
