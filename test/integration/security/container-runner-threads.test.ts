/**
 * Issue 15: runs of the resident runner start threads on both runtimes. runsc 20221219 answers the profile's
 * `clone3 → ENOSYS` rule with EPERM in the container's init tree, so glibc did not fall back to clone and no
 * run could start a thread; the runner stacks a filter that turns clone3 into ENOSYS (runner.py). It must not
 * open anything the profile refuses: clone3 itself never runs, and clone with namespace flags stays EPERM.
 */
import { beforeAll, describe, expect } from 'vitest'
import { KINDS, test } from '../../fixtures/sandtier.js'
import { ensureImage, request } from '../container/helpers.js'

beforeAll(() => ensureImage())

// x86_64 numbers: clone3 435, clone 56; 0x10000000 = CLONE_NEWUSER, 17 = SIGCHLD.
const SYSCALLS_PY = `
import ctypes, errno, os, threading
libc = ctypes.CDLL(None, use_errno=True)
def call(nr, *args):
    r = libc.syscall(nr, *args)
    if r == 0:
        os._exit(0)
    if r > 0:
        os.waitpid(r, 0)
    return 'ok' if r != -1 else errno.errorcode.get(ctypes.get_errno(), '?')
seen = []
t = threading.Thread(target=lambda: seen.append(threading.get_ident()))
t.start()
t.join()
{'thread': len(seen), 'clone3': call(435, 0, 0), 'clone_newuser': call(56, 0x10000000 | 17, 0, 0, 0, 0)}
`

describe.each(KINDS)('%s: threads in runs of the runner (issue 15)', (kind) => {
  test.override({ kind })

  test('I15-10: a python run starts a thread; clone3 is ENOSYS and clone with CLONE_NEWUSER is EPERM', async ({
    containerSandbox: sandbox,
  }) => {
    const r = await sandbox.execute(request(SYSCALLS_PY, 'python'))
    expect(r).toMatchObject({
      status: 'ok',
      value: { thread: 1, clone3: 'ENOSYS', clone_newuser: 'EPERM' },
    })
  })

  test('I15-11: a javascript run starts a worker thread', async ({ containerSandbox: sandbox }) => {
    const code =
      "const { Worker } = await import('node:worker_threads')\n" +
      'const w = new Worker(\'require("node:worker_threads").parentPort.postMessage(6 * 7)\', { eval: true })\n' +
      "await new Promise((resolve) => w.once('message', resolve))"
    const r = await sandbox.execute(request(code, 'javascript'))
    expect(r).toMatchObject({ status: 'ok', value: 42 })
  })
})
