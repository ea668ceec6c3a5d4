/**
 * K1, K2 (issue 21 items 1, 2): the run killer on both runtimes. A process that disguises itself as a zombie
 * (a name holding ") Z\n", and a thread-group leader that exited while its thread burns CPU) is killed at
 * the run's end and at its deadline, and is not billed to the next run. A timeout kills the run, never the
 * container's main process: the container and its /work files stay, whatever the PIDs' string order.
 */
import { beforeAll, describe, expect } from 'vitest'
import type { ContainerSandbox } from '../../../src/tiers/container/container-sandbox.js'
import { KINDS, test } from '../../fixtures/sandtier.js'
import { ensureImage, request } from '../container/helpers.js'

beforeAll(() => ensureImage())

/**
 * Leaves a worker that hides from a naive killer: setsid'd, stdio detached, named "x) Z\n", its leader
 * gone with pthread_exit while a thread spins. Then `after` (Python) runs.
 */
const hideWorker = (after: string): string => `
import ctypes, os, threading
libc = ctypes.CDLL(None)
if os.fork() == 0:
    os.setsid()
    null = os.open('/dev/null', os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    libc.prctl(15, b"x) Z\\n", 0, 0, 0)
    def spin():
        while True:
            pass
    threading.Thread(target=spin).start()
    libc.pthread_exit(None)
${after}
`

/**
 * Every live process that is neither the container's own (session 1) nor this run's (its session), as
 * "pid name"; a plain zombie is dead.
 */
const STRANGERS = `
import os
me = os.getsid(0)
found = []
for p in os.listdir('/proc'):
    if not p.isdigit():
        continue
    try:
        stat = open('/proc/%s/stat' % p).read()
    except OSError:
        continue
    fields = stat[stat.rindex(')') + 2:].split()
    state, session, threads = fields[0], int(fields[3]), int(fields[17])
    if session in (1, me) or (state in 'ZX' and threads <= 1):
        continue
    found.append(p + ' ' + stat[stat.index('(') + 1:stat.rindex(')')])
found
`

describe.each(KINDS)('%s: the run killer (K1, K2)', (kind) => {
  test.override({ kind, containerConfig: { limits: { executionTime: 20_000 } } })

  async function strangers(sandbox: ContainerSandbox): Promise<unknown> {
    const result = await sandbox.execute(request(STRANGERS, 'python'))
    expect(result.status, JSON.stringify(result)).toBe('ok')
    return result.value
  }

  test('K1: a disguised worker left by a finished run is gone before the next run, and not billed to it', async ({
    containerSandbox: sandbox,
  }) => {
    const id = await sandbox.containerId()
    const first = await sandbox.execute(request(hideWorker("'left'"), 'python'))
    expect(first).toMatchObject({ status: 'ok', value: 'left' })
    expect(await strangers(sandbox)).toEqual([])
    // A spinning survivor would bill about a CPU-second to this idle second.
    const idle = await sandbox.execute(request('sleep 1'))
    expect(idle.status).toBe('ok')
    expect(idle.usage.cpuMs).toBeLessThan(600)
    expect(await sandbox.containerId()).toBe(id)
  })

  test('K1: a disguised worker is killed at the deadline too', async ({
    containerSandbox: sandbox,
  }) => {
    const id = await sandbox.containerId()
    const result = await sandbox.execute(
      request(hideWorker('import time\ntime.sleep(100)'), 'python', { timeoutMs: 2000 }),
    )
    expect(result).toMatchObject({ status: 'timeout', error: { code: 'ERR_TIMEOUT' } })
    expect(result.error).not.toHaveProperty('details')
    expect(await strangers(sandbox)).toEqual([])
    expect(await sandbox.containerId()).toBe(id)
  })

  test('K2: `sleep 100` timing out keeps the container and its files, with multi-digit PIDs and orphans', async ({
    containerSandbox: sandbox,
  }) => {
    await sandbox.writeFile('/work/keep.txt', 'kept')
    // PIDs past 9 (and past 99 on runc after the tests above): a killer that picks the main process by
    // string order takes e.g. "15" for "7".
    await sandbox.execute(request('for i in 1 2 3 4 5 6 7 8 9 10 11 12; do /bin/true; done'))
    const id = await sandbox.containerId()
    for (const code of ['sleep 100', '(sleep 100 &); (sleep 100 &); sleep 100']) {
      const result = await sandbox.execute(request(code, 'shell', { timeoutMs: 1000 }))
      expect(result, code).toMatchObject({ status: 'timeout', error: { code: 'ERR_TIMEOUT' } })
      expect(result.error, code).not.toHaveProperty('details')
      expect(await sandbox.containerId()).toBe(id)
      expect(Buffer.from(await sandbox.readFile('/work/keep.txt')).toString()).toBe('kept')
    }
    const after = await sandbox.execute(request('cat /work/keep.txt'))
    expect(after).toMatchObject({ status: 'ok', stdout: 'kept' })
  })
})
