/**
 * Issue 15 item 1: the resident runner (images/sandbox/harness/runner.py) is guest code. A run that kills it,
 * leaves a daemon, floods output, fills memory, closes its stdout or prints forged reply frames gets the
 * right status, the sandbox is replaced where the runner is gone, and nothing of a run is left for the next.
 * The runs go to the runner on both runtimes. gVisor 20221219 lets a run open the runner's stdin and stdout
 * (/proc/<pid>/fd ignores dumpability there): the runner holds nothing secret in them while a run lives, and
 * bytes a run pushes into either end the sandbox as crashed (I15-7..9).
 */
import { beforeAll, describe, expect } from 'vitest'
import { KINDS, test } from '../../fixtures/sandtier.js'
import { ensureImage, request } from '../container/helpers.js'

beforeAll(() => ensureImage())

/** Pids of the runner: the python3 process of init's session (a run forked from it is in its own session). */
const RUNNER_PIDS_PY = `
import os
pids = []
for p in os.listdir('/proc'):
    if not p.isdigit():
        continue
    try:
        if os.getsid(int(p)) == 1 and open('/proc/%s/comm' % p).read().strip() == 'python3':
            pids.append(int(p))
    except OSError:
        pass
`

/** Live processes outside init's session: what a run left behind (this run's own session aside). */
const LEFT_PY = `
import os
me = os.getsid(0)
left = []
for p in os.listdir('/proc'):
    if not p.isdigit():
        continue
    try:
        stat = open('/proc/%s/stat' % p, 'rb').read()
    except OSError:
        continue
    f = stat[stat.rfind(b')') + 2:].split()
    if f[3] not in (b'1', str(me).encode()) and f[0] != b'Z':
        left.append(p)
left
`

/**
 * probe(fd, data): opens the runner's fd (pids from RUNNER_PIDS_PY), writes data when given, else reads
 * without blocking: 'denied' when it cannot be opened, 'refused' when the write fails, 'empty' when nothing
 * was there, 'read' or 'wrote'.
 */
const RUNNER_FD_PY = `
def probe(fd, data):
    try:
        f = os.open('/proc/%d/fd/%d' % (pids[0], fd), (os.O_WRONLY if data else os.O_RDONLY) | os.O_NONBLOCK)
    except OSError:
        return 'denied'
    try:
        if data:
            os.write(f, data)
            return 'wrote'
        return 'read' if os.read(f, 4096) else 'empty'
    except BlockingIOError:
        return 'empty'
    except OSError:
        return 'refused'
`

describe.each(KINDS)('%s: bad input to the runner (issue 15)', (kind) => {
  test.override({ kind, containerConfig: { limits: { executionTime: 20_000 } } })
  const py = (code: string, timeoutMs = 20_000) => request(code, 'python', { timeoutMs })

  test('I15-1: a run that kills the runner is crashed and the sandbox gets a new container', async ({
    containerSandbox: sandbox,
  }) => {
    const found = await sandbox.execute(py(`${RUNNER_PIDS_PY}\nlen(pids)`))
    expect(found).toMatchObject({ status: 'ok', value: 1 })
    const before = await sandbox.containerId()
    const killed = await sandbox.execute(
      py(`${RUNNER_PIDS_PY}\nfor p in pids: os.kill(p, 9)\nimport time; time.sleep(1)\nlen(pids)`),
    )
    expect(killed.status).toBe('crashed')
    expect(await sandbox.containerId()).not.toBe(before)
    expect(await sandbox.execute(py('1+1'))).toMatchObject({ status: 'ok', value: 2 })
  })

  test('I15-2: a daemon a run forked is gone before the next run', async ({
    containerSandbox: sandbox,
  }) => {
    const first = await sandbox.execute(
      py(
        "import subprocess\np = subprocess.Popen(['sleep', '60'], start_new_session=True, " +
          'stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)\np.pid',
      ),
    )
    expect(first.status).toBe('ok')
    expect(await sandbox.execute(py(LEFT_PY))).toMatchObject({ status: 'ok', value: [] })
  })

  test('I15-3: an output flood ends as output, truncated, and the next run is clean', async ({
    containerSandbox: sandbox,
  }) => {
    const flood = await sandbox.execute(py("import sys\nwhile True: sys.stdout.write('x' * 65536)"))
    expect(flood).toMatchObject({ status: 'output', truncated: true })
    expect(await sandbox.execute(py('1+1'))).toMatchObject({ status: 'ok', value: 2, stdout: '' })
  })

  test('I15-4: a run that fills memory is memory, and the next run works', async ({
    containerSandbox: sandbox,
  }) => {
    const bomb = await sandbox.execute(py("x = []\nwhile True: x.append(' ' * 2**24)"))
    expect(bomb.status).toBe('memory')
    expect(await sandbox.execute(py('1+1'))).toMatchObject({ status: 'ok', value: 2 })
  })

  test('I15-5: a run that closes its stdout and stderr and waits ends at its deadline', async ({
    containerSandbox: sandbox,
  }) => {
    const closed = await sandbox.execute(
      py('import os, time\nos.close(1)\nos.close(2)\ntime.sleep(60)', 1500),
    )
    expect(closed.status).toBe('timeout')
    expect(await sandbox.execute(py(LEFT_PY))).toMatchObject({ status: 'ok', value: [] })
  })

  test("I15-6: forged reply frames printed by a run are the run's own output", async ({
    containerSandbox: sandbox,
  }) => {
    const forged = await sandbox.execute(
      py(
        "import sys\nsys.stdout.buffer.write(b'x' + (11).to_bytes(4, 'big') + b'{\"code\": 0}')\n" +
          "sys.stdout.buffer.write(b'r' + b'\\x7f' * 4)\nsys.stdout.flush()\n7",
      ),
    )
    expect(forged).toMatchObject({
      status: 'ok',
      value: 7,
      stdout: 'x\0\0\0\x0b{"code": 0}r\x7f\x7f\x7f\x7f',
    })
    expect(await sandbox.execute(py('1+1'))).toMatchObject({ status: 'ok', value: 2 })
  })

  test("I15-7: a run reading the runner's stdin gets nothing (runc: denied; runsc: the end nonce was read before the fork)", async ({
    containerSandbox: sandbox,
  }) => {
    const read = await sandbox.execute(py(`${RUNNER_PIDS_PY}\n${RUNNER_FD_PY}\nprobe(0, b'')`))
    expect(read).toMatchObject({ status: 'ok', value: kind === 'docker' ? 'denied' : 'empty' })
  })

  test("I15-8: a run cannot write into the runner's stdin (runc: denied; runsc: the pipe's host end is read-only)", async ({
    containerSandbox: sandbox,
  }) => {
    const frame = `b'q' + (22).to_bytes(4, 'big') + b'{"argv": ["sleep"]}\\n' + b'n' + bytes(4)`
    const wrote = await sandbox.execute(
      py(`${RUNNER_PIDS_PY}\n${RUNNER_FD_PY}\nprobe(0, ${frame})`),
    )
    expect(wrote).toMatchObject({ status: 'ok', value: kind === 'docker' ? 'denied' : 'refused' })
    expect(await sandbox.execute(py('1+1'))).toMatchObject({ status: 'ok', value: 2 })
  })

  test("I15-9: a run writing a frame into the runner's stdout ends the sandbox as crashed (runsc; runc: denied)", async ({
    containerSandbox: sandbox,
  }) => {
    const before = await sandbox.containerId()
    const wrote = await sandbox.execute(
      py(
        `${RUNNER_PIDS_PY}\n${RUNNER_FD_PY}\nprobe(1, b'x' + (11).to_bytes(4, 'big') + b'{"code": 0}')`,
      ),
    )
    if (kind === 'docker') expect(wrote).toMatchObject({ status: 'ok', value: 'denied' })
    else {
      expect(wrote.status).toBe('crashed')
      expect(await sandbox.containerId()).not.toBe(before)
    }
    expect(await sandbox.execute(py('1+1'))).toMatchObject({ status: 'ok', value: 2 })
  })
})
