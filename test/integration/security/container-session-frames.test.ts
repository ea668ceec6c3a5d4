/**
 * Sessions (issue 15) against a guest that forges frames: runner frames printed on stdout are only output,
 * and a forged control line to the runner (fd 3 of the session interpreter) ends the interpreter instead of
 * ending the execute early; the next execute starts a fresh one and says so. runc and runsc.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  KINDS,
  config,
  ensureImage,
  expectNoContainers,
  makeTier,
  request,
} from '../container/helpers.js'

beforeAll(() => ensureImage())

describe.each(KINDS)('%s session frames', (kind) => {
  const tier = makeTier(kind, { poolSize: 0 })
  afterAll(async () => {
    await tier.close()
    await expectNoContainers(tier)
  })
  const open = () =>
    tier.createSandbox(
      config({ type: kind, language: 'python', session: true, limits: { executionTime: 20_000 } }),
    )

  it('I15-S7: runner frames printed on stdout are the run output, the session goes on', async () => {
    const sandbox = await open()
    await sandbox.execute(request('kept = 1', 'python'))
    const forged =
      'import sys\n' +
      'sys.stdout.buffer.write(b\'x\\x00\\x00\\x00\\x0b{"code": 0}e\\x00\\x00\\x00\\x02hi\')\n' +
      'sys.stdout.flush()\n' +
      'kept + 1'
    const r = await sandbox.execute(request(forged, 'python'))
    expect(r).toMatchObject({
      status: 'ok',
      stdout: 'x\0\0\0\x0b{"code": 0}e\0\0\0\x02hi',
      value: 2,
      session: { restarted: false, ended: false },
    })
  })

  it('I15-S8: a forged control line ends the interpreter, never the execute early', async () => {
    const sandbox = await open()
    await sandbox.execute(request('kept = 1', 'python'))
    const r = await sandbox.execute(
      request(
        "import os, time\nos.write(3, b'done 999 0\\n')\ntime.sleep(1)\n'not reached'",
        'python',
      ),
    )
    expect(r.value).toBeUndefined()
    expect(r.session).toEqual({ restarted: false, ended: true })
    const next = await sandbox.execute(request("'kept' in globals()", 'python'))
    expect(next).toMatchObject({
      status: 'ok',
      value: false,
      session: { restarted: true, ended: false },
    })
  })
})
