/**
 * K6 (issue 21 item 6): what a guest learns of the host from its mounts. The egress socket comes from a
 * neutral host directory (/run/sandtier/s-<random>), /etc/hosts, /etc/hostname and /etc/resolv.conf from
 * shared neutral files instead of /var/lib/docker/containers/<id>/ (and the host's name servers), and the
 * host name is "sandbox", not the container id. What runc still shows: the root overlay's lowerdir, upperdir
 * and workdir under the engine's data root (the kernel prints them; no container setting hides them) and the
 * source paths of bind mounts (the neutral files). gVisor's mountinfo shows no host path at all.
 */
import { beforeAll, describe, expect } from 'vitest'
import type { ContainerSandbox } from '../../../src/tiers/container/container-sandbox.js'
import { EGRESS_SOCKET_PATH } from '../../../src/tiers/container/egress.js'
import { KINDS, test } from '../../fixtures/sandtier.js'
import { ensureImage, request } from '../container/helpers.js'

beforeAll(() => ensureImage())

async function mountinfoOf(sandbox: ContainerSandbox): Promise<string[]> {
  const r = await sandbox.execute(request('cat /proc/self/mountinfo'))
  return r.stdout.trim().split('\n')
}

describe.each(KINDS)('%s: host paths in the guest', (kind) => {
  // With egress: its proxy socket is the one per-sandbox bind mount.
  test.override({
    kind,
    containerConfig: { networkEnabled: true, allowedDomains: ['api.allowed.test'] },
  })

  test('K6: the engine data root shows only in the root overlay (runc) or not at all (runsc)', async ({
    containerSandbox,
  }) => {
    const mountinfo = await mountinfoOf(containerSandbox)
    const engineLines = mountinfo.filter((line) => line.includes('/var/lib/docker'))
    if (kind === 'docker') {
      expect(engineLines).toHaveLength(1)
      expect(engineLines[0]?.split(' ')[4]).toBe('/')
      expect(engineLines[0]).toMatch(/ - overlay overlay .*lowerdir=/)
    } else {
      expect(engineLines).toEqual([])
    }
  })

  test('K6: the egress socket comes from a neutral directory named by a random id', async ({
    containerSandbox,
  }) => {
    const mountinfo = await mountinfoOf(containerSandbox)
    const socketLine = mountinfo.find((line) => line.split(' ')[4] === EGRESS_SOCKET_PATH)
    if (kind === 'docker') {
      // Field 4 is the source path within its filesystem (here / is that filesystem: /run is on it).
      const source = socketLine?.split(' ')[3] ?? ''
      const neutral =
        process.getuid?.() === 0
          ? /^\/run\/sandtier\/s-[A-Za-z0-9]{6}\/proxy\.sock$/
          : /\/sandtier[^/]*\/s-[A-Za-z0-9]{6}\/proxy\.sock$/
      expect(source).toMatch(neutral)
    } else {
      // gVisor shows every bind mount as 9p with root "/".
      expect(socketLine?.split(' ')[3]).toBe('/')
    }
    expect(mountinfo.filter((line) => line.includes('sandtier-egress-'))).toEqual([])
  })

  test('K6: host name, hosts and resolver are the same neutral ones in every sandbox', async ({
    containerSandbox: sandbox,
  }) => {
    const mountinfo = await mountinfoOf(sandbox)
    const id = await sandbox.containerId()
    const r = await sandbox.execute(
      request('hostname; cat /etc/hostname /etc/hosts /etc/resolv.conf /proc/self/cgroup'),
    )
    expect(r.stdout).not.toContain(id.slice(0, 12))
    expect(mountinfo.join('\n')).not.toContain(id.slice(0, 12))
    const r2 = await sandbox.execute(request('hostname; cat /etc/hostname /etc/resolv.conf'))
    expect(r2.stdout).toBe('sandbox\nsandbox\nnameserver 127.0.0.1\noptions timeout:1 attempts:1\n')
  })
})
