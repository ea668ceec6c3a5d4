/**
 * Guards next to the runner's spare (issue 15): end-run.sh spares the pid in $spare_pid (kill-run.sh's argument,
 * a session's interpreter), so one the caller put in the sandbox's environment must not keep a process of a run
 * alive through run-guest.sh (runsc's exec path, which vouches for the run's end); and a session whose guest
 * kills the runner itself gets `crashed`, a new container, and a fresh interpreter next. runc and runsc.
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

/** A pid the first shell run of a fresh container reaches by starting processes (pids count up from 1). */
const TARGET_PID = 300

// Starts `sleep` until one gets TARGET_PID (the others are killed at once), and leaves that one running.
const REACH_PID = `i=0
while [ $i -lt 5000 ]; do
  sleep 1000 &
  [ "$!" = "${TARGET_PID}" ] && { echo reached; exit 0; }
  kill -9 $! 2>/dev/null; wait $! 2>/dev/null; i=$((i + 1))
done
echo missed`

describe.each(KINDS)('%s spare guards', (kind) => {
  const tier = makeTier(kind, { poolSize: 0 })
  afterAll(async () => {
    await tier.close()
    await expectNoContainers(tier)
  })

  it("I15-P5: spare_pid in the sandbox environment does not keep a run's process alive", async () => {
    const sandbox = await tier.createSandbox(
      config({
        type: kind,
        env: { spare_pid: String(TARGET_PID) },
        limits: { executionTime: 20_000 },
      }),
    )
    const first = await sandbox.execute(request(REACH_PID))
    expect(first).toMatchObject({ status: 'ok', stdout: 'reached\n' })
    const next = await sandbox.execute(
      request(`echo "$spare_pid"; [ -e /proc/${TARGET_PID} ] && echo alive || echo gone`),
    )
    expect(next).toMatchObject({ status: 'ok', stdout: `${TARGET_PID}\ngone\n` })
  })

  it('I15-P6: a session guest that kills the runner: crashed, a new container, a fresh session', async () => {
    const sandbox = await tier.createSandbox(
      config({ type: kind, language: 'python', session: true, limits: { executionTime: 20_000 } }),
    )
    await sandbox.execute(request('kept = 1', 'python'))
    const before = await sandbox.containerId()
    const r = await sandbox.execute(request('import os\nos.kill(os.getppid(), 9)', 'python'))
    expect(r).toMatchObject({ status: 'crashed', session: { ended: true } })
    const next = await sandbox.execute(request("'kept' in globals()", 'python'))
    expect(next).toMatchObject({
      status: 'ok',
      value: false,
      session: { restarted: true, ended: false },
    })
    expect(await sandbox.containerId()).not.toBe(before)
  })
})
