/**
 * K3 (issue 21 item 3): per-uid kernel budgets are not shared between sandboxes. Every container runs as a
 * host uid of its own, from a range with no host user (sandbox-uids.ts), so a process in one sandbox that
 * exhausts its uid's inotify instances leaves every other sandbox (and the host's users) theirs. Under runsc
 * the guest's uid lives in the gVisor kernel, which never shared these budgets; the test holds on both.
 */
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect } from 'vitest'
import { DEFAULT_SANDBOX_UIDS } from '../../../src/tiers/container/sandbox-uids.js'
import { KINDS, test } from '../../fixtures/sandtier.js'
import { config, ensureImage, request } from '../container/helpers.js'
import { execInContainer, startInContainer, waitFor } from './container-host-helpers.js'

beforeAll(() => ensureImage())

// Opens inotify instances until the kernel refuses, writes "<count> <errno>" to /tmp/held, keeps them.
const HOLD_INOTIFY = `
import ctypes, errno, os, time
libc = ctypes.CDLL(None, use_errno=True)
fds = []
while len(fds) < 3000:
    fd = libc.inotify_init1(0)
    if fd < 0:
        break
    fds.append(fd)
err = errno.errorcode.get(ctypes.get_errno(), '-') if len(fds) < 3000 else '-'
with open('/tmp/held.tmp', 'w') as f:
    f.write(f'{len(fds)} {err}')
os.rename('/tmp/held.tmp', '/tmp/held')
time.sleep(600)
`

const IDS = `
import os
[os.getuid(), os.getgid(), os.stat('/work').st_uid, os.stat('/work').st_gid]`

describe.each(KINDS)('%s: per-uid kernel budgets', (kind) => {
  test.override({ kind })

  test('K3: each sandbox runs as a uid and gid of its own, in the range, that no host user has', async ({
    tier,
    containerSandbox: a,
  }) => {
    const b = await tier.createSandbox(config())
    const [idsA, idsB] = await Promise.all(
      [a, b].map(async (s) => (await s.execute(request(IDS, 'python'))).value as number[]),
    )
    const { first, count } = DEFAULT_SANDBOX_UIDS
    for (const ids of [idsA, idsB]) {
      const uid = ids?.[0] ?? -1
      // uid = gid, and /work belongs to them.
      expect(ids).toEqual([uid, uid, uid, uid])
      expect(uid >= first && uid < first + count).toBe(true)
    }
    expect(idsA?.[0]).not.toBe(idsB?.[0])
    const hostUids = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((line) => Number(line.split(':')[2]))
    expect(hostUids).not.toContain(idsA?.[0])
    expect(hostUids).not.toContain(idsB?.[0])
  })

  test('K3: sandbox A holding every inotify instance its uid may have leaves sandbox B its own', async ({
    tier,
    containerSandbox: a,
  }) => {
    const b = await tier.createSandbox(config())
    const idA = await a.containerId()
    await startInContainer(idA, ['python3', '-c', HOLD_INOTIFY])
    const held = await waitFor(async () => {
      const { stdout, exitCode } = await execInContainer(idA, ['cat', '/tmp/held'])
      return exitCode === 0 ? stdout : undefined
    })
    if (kind === 'docker') {
      // runc: the host kernel's per-uid limit (fs.inotify.max_user_instances, 128 by default) is exhausted.
      const max = readFileSync('/proc/sys/fs/inotify/max_user_instances', 'utf8').trim()
      expect(held).toBe(`${max} EMFILE`)
    } else {
      // runsc: gVisor's kernel has no per-user instance limit; A got all 3000 it asked for.
      expect(held).toBe('3000 -')
    }
    // What failed for B before: fs.watch (an inotify instance) ended with EMFILE.
    const watch = await b.execute(
      request(
        `import { watch } from 'node:fs'\nconst w = watch('/work')\nw.close()\nexport default 'watching'`,
        'javascript',
      ),
    )
    expect(watch.value).toBe('watching')
  })
})
