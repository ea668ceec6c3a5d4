/**
 * K6 and K7 (issue 21 items 6 and 7): the seccomp profile applies on runc and, with runsc's --oci-seccomp,
 * inside gVisor: no kernel uevents over netlink, no AF_ALG or other unneeded socket families, no sync/syncfs,
 * no nested user, pid or net namespaces (which gVisor would otherwise grant with full capabilities inside),
 * no ptrace. What programs need keeps working: NETLINK_ROUTE (interface lists), TCP/UDP, fsync, libc's sync().
 * gVisor's /dev/fuse is masked by an empty read-only file; runc containers have no /dev/fuse at all.
 */
import { beforeAll, describe, expect } from 'vitest'
import { KINDS, test } from '../../fixtures/sandtier.js'
import { ensureImage, request } from '../container/helpers.js'

beforeAll(() => ensureImage())

// The outcome of each call: 'ok' or the errno name (x86_64 syscall numbers).
const PROBE = `
import ctypes, errno, os, socket
libc = ctypes.CDLL(None, use_errno=True)
out = {}
def call(name, nr, *args):
    r = libc.syscall(nr, *args)
    if r == 0 and name.startswith('clone'):
        os._exit(0)
    if r > 0 and name.startswith('clone'):
        os.waitpid(r, 0)
    out[name] = 'ok' if r != -1 else errno.errorcode.get(ctypes.get_errno(), '?')
def sock(name, family, kind, proto):
    try:
        socket.socket(family, kind, proto).close()
        out[name] = 'ok'
    except OSError as e:
        out[name] = errno.errorcode.get(e.errno, '?')
sock('netlink_uevent', socket.AF_NETLINK, socket.SOCK_DGRAM, 15)
sock('netlink_route', socket.AF_NETLINK, socket.SOCK_RAW, 0)
sock('af_alg', 38, socket.SOCK_SEQPACKET, 0)
sock('af_vsock', 40, socket.SOCK_STREAM, 0)
sock('af_packet', 17, socket.SOCK_DGRAM, 0)
sock('sctp', socket.AF_INET, socket.SOCK_STREAM, 132)
sock('tcp', socket.AF_INET, socket.SOCK_STREAM, 0)
sock('udp6', socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
sock('unix', socket.AF_UNIX, socket.SOCK_STREAM, 0)
fd = os.open('/work/f', os.O_CREAT | os.O_WRONLY)
call('sync', 162)
call('syncfs', 306, fd)
call('fsync', 74, fd)
call('unshare_user', 272, 0x10000000)
call('unshare_pid', 272, 0x20000000)
call('unshare_net', 272, 0x40000000)
call('clone_newuser', 56, 0x10000000 | 17, 0, 0, 0, 0)
call('clone_newnet', 56, 0x40000000 | 17, 0, 0, 0, 0)
call('ptrace', 101, 0, 0, 0, 0)
out`

describe.each(KINDS)('%s: seccomp profile in force', (kind) => {
  test.override({ kind })

  test('K6/K7: refuses uevents, AF_ALG, sync, nested namespaces and ptrace; keeps what programs need', async ({
    containerSandbox: sandbox,
  }) => {
    const r = await sandbox.execute(request(PROBE, 'python'))
    expect(r.status).toBe('ok')
    // The same on both runtimes: runc's kernel and gVisor's Sentry both apply the profile.
    expect(r.value).toEqual({
      netlink_uevent: 'EPERM',
      netlink_route: 'ok',
      af_alg: 'EPERM',
      af_vsock: 'EPERM',
      af_packet: 'EPERM',
      sctp: 'EPERM',
      tcp: 'ok',
      udp6: 'ok',
      unix: 'ok',
      sync: 'EPERM',
      syncfs: 'EPERM',
      fsync: 'ok',
      unshare_user: 'EPERM',
      unshare_pid: 'EPERM',
      unshare_net: 'EPERM',
      clone_newuser: 'EPERM',
      clone_newnet: 'EPERM',
      ptrace: 'EPERM',
    })
  })

  test('K7: `unshare` cannot make a user, pid or net namespace', async ({
    containerSandbox: sandbox,
  }) => {
    const r = await sandbox.execute(request('unshare --user --pid --net --fork true'))
    expect(r.exitCode).not.toBe(0)
    expect(r.stderr).toMatch(/Operation not permitted/)
  })

  test('K6: sync refused in the kernel does not fail programs (libc sync() returns nothing)', async ({
    containerSandbox: sandbox,
  }) => {
    const r = await sandbox.execute(
      request('sync && sync /work && python3 -c "import os; os.sync()" && echo synced'),
    )
    expect(r.stdout).toBe('synced\n')
    const nets = await sandbox.execute(
      request(
        "import os from 'node:os'\nexport default Object.keys(os.networkInterfaces())",
        'javascript',
      ),
    )
    expect(nets.value).toEqual(['lo'])
  })

  test('K7: no FUSE device', async ({ containerSandbox: sandbox }) => {
    const r = await sandbox.execute(
      request(
        `import os, stat, errno\ntry:\n  os.open('/dev/fuse', os.O_RDWR)\n  opened = 'ok'\nexcept OSError as e:\n  opened = errno.errorcode[e.errno]\n[opened, os.path.exists('/dev/fuse') and stat.S_ISCHR(os.stat('/dev/fuse').st_mode)]`,
        'python',
      ),
    )
    // runc: Docker creates no /dev/fuse. runsc: gVisor always has one; an empty read-only file covers it.
    expect(r.value).toEqual(kind === 'docker' ? ['ENOENT', false] : ['EACCES', false])
  })
})
