/**
 * What the guest can and cannot reach on both runtimes: no host environment, no Docker socket, no network
 * interface but loopback, no capabilities, the runtime that was asked for, and a seccomp profile that refuses
 * what Docker's default allows (ptrace) besides namespaces, mount, keyrings, bpf and io_uring. runsc applies
 * it too (--oci-seccomp for the container's init, the image's preload for exec'd processes).
 */
import { randomUUID } from 'node:crypto'
import os from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/errors.js'
import type { ContainerSandbox } from '../../../src/tiers/container/container-sandbox.js'
import {
  KINDS,
  config,
  docker,
  ensureImage,
  expectNoContainers,
  makeTier,
  request,
} from './helpers.js'

beforeAll(() => ensureImage())

// Each line: "<name> <return value> <errno name>"; errno is "-" on success.
const SYSCALL_PROBE = `
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
def probe(name, nr, *args):
    r = libc.syscall(nr, *args)
    print(name, r, errno.errorcode.get(ctypes.get_errno(), '?') if r == -1 else '-')
probe('ptrace', 101, 0, 0, 0, 0)
probe('unshare', 272, 0x10000000)
probe('mount', 165, b'none', b'/tmp', b'tmpfs', 0, 0)
probe('keyctl', 250, 0, 0, 0, 0, 0)
probe('bpf', 321, 0, 0, 0)
probe('io_uring_setup', 425, 1, 0)
probe('getpid', 39)
`

function probeResults(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' '))
      .map(([name, ret, err]) => [name ?? '', err === '-' ? `ok(${ret ?? ''})` : (err ?? '')]),
  )
}

describe.each(KINDS)('%s tier isolation', (kind) => {
  const secretName = `SANDTIER_TEST_SECRET_${randomUUID().replaceAll('-', '')}`
  const tier = makeTier(kind, { poolSize: 0 })
  let sandbox: ContainerSandbox

  beforeAll(async () => {
    process.env[secretName] = 'host-only'
    sandbox = await tier.createSandbox(config({ env: { VISIBLE: 'yes' } }))
  })
  afterAll(async () => {
    delete process.env[secretName]
    await tier.close()
    await expectNoContainers(tier)
  })

  it('shows only the configured environment, never the host one', async () => {
    const r = await sandbox.execute(request('env; tr "\\0" "\\n" < /proc/1/environ'))
    expect(r.stdout).not.toContain(secretName)
    expect(r.stdout).toContain('VISIBLE=yes')
    const py = await sandbox.execute(
      request('import os\nsorted(k for k in os.environ if k.startswith("SANDTIER"))', 'python'),
    )
    expect(py.value).toEqual([])
  })

  it('has no Docker socket and no network but loopback', async () => {
    const sock = await sandbox.execute(
      request(
        'ls -la /var/run/docker.sock /run/docker.sock 2>&1; test -S /var/run/docker.sock || test -S /run/docker.sock',
      ),
    )
    expect(sock.exitCode).not.toBe(0)
    const dev = await sandbox.execute(request('tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'))
    expect(dev.stdout.trim().split('\n')).toEqual(['lo'])
    const connect = await sandbox.execute(
      request(
        'import socket\ntry:\n  socket.create_connection(("1.1.1.1", 53), timeout=2)\n  "connected"\nexcept OSError as e:\n  type(e).__name__',
        'python',
      ),
    )
    expect(connect.value).not.toBe('connected')
  })

  it('without network, a program can still talk to itself on loopback (runc and runsc alike)', async () => {
    const code = `
import socket, threading
server = socket.socket()
server.bind(('127.0.0.1', 0))
server.listen(1)
def answer():
    conn, _ = server.accept()
    conn.sendall(conn.recv(5).upper())
    conn.close()
threading.Thread(target=answer, daemon=True).start()
client = socket.create_connection(server.getsockname(), timeout=3)
client.sendall(b'hello')
client.recv(5).decode()`
    const r = await sandbox.execute(request(code, 'python'))
    expect(r.status).toBe('ok')
    expect(r.value).toBe('HELLO')
  })

  it('runs without capabilities, as its own uid named "sandbox", with only stdio open', async () => {
    const r = await sandbox.execute(
      request('grep -E "^(CapEff|CapBnd)" /proc/self/status; id -un; id -u'),
    )
    expect(r.stdout).toMatch(/CapEff:\s+0000000000000000/)
    expect(r.stdout).toMatch(/CapBnd:\s+0000000000000000/)
    const [name, uid] = r.stdout.trim().split('\n').slice(-2)
    expect(name).toBe('sandbox')
    const info = await docker.getContainer(await sandbox.containerId()).inspect()
    expect(info.Config.User).toBe(`${uid ?? ''}:${uid ?? ''}`)
    expect(Number(uid)).toBeGreaterThanOrEqual(65_536)
    const fds = await sandbox.execute(
      request('import os\nsorted(os.listdir("/proc/self/fd"))', 'python'),
    )
    // 0-2 and the descriptor listdir itself opens.
    expect((fds.value as string[]).length).toBeLessThanOrEqual(4)
  })

  it('runs on the runtime that was asked for, never another', async () => {
    const info = await docker.getContainer(await sandbox.containerId()).inspect()
    expect(info.HostConfig.Runtime).toBe(kind === 'docker' ? 'runc' : 'runsc')
    expect(info.HostConfig.NetworkMode).toBe('none')
    expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges:true')
    // runc shares the host's kernel; gVisor's Sentry reports a kernel of its own (syslog, which dmesg
    // would use to say "gVisor", is refused by the seccomp profile on both runtimes).
    const release = (await sandbox.execute(request('uname -r'))).stdout.trim()
    if (kind === 'gvisor') expect(release).not.toBe(os.release())
    else expect(release).toBe(os.release())
  })

  it('refuses to mount the Docker socket or a host system path', async () => {
    for (const hostPath of ['/var/run/docker.sock', '/etc', '/'])
      await expect(
        tier.createSandbox(config({ volumes: [{ hostPath, containerPath: '/x' }] })),
      ).rejects.toBeInstanceOf(ConfigError)
  })

  it('refuses with EPERM what the seccomp profile blocks, including ptrace that Docker allows', async () => {
    const ours = probeResults((await sandbox.execute(request(SYSCALL_PROBE, 'python'))).stdout)
    expect(ours).toMatchObject({
      ptrace: 'EPERM',
      unshare: 'EPERM',
      mount: 'EPERM',
      keyctl: 'EPERM',
      bpf: 'EPERM',
      io_uring_setup: 'EPERM',
    })
    expect(ours['getpid']).toMatch(/^ok/)
    const unshare = await sandbox.execute(request('unshare -r true'))
    expect(unshare.status).toBe('error')
    expect(unshare.stderr).toMatch(/Operation not permitted/)
    // The same probe under Docker's default profile: ptrace(PTRACE_TRACEME) is allowed there.
    const raw = await docker.createContainer({
      Image: config().container.image,
      Cmd: ['python3', '-c', SYSCALL_PROBE],
      User: '1000:1000',
      Labels: { 'sandtier.session': tier.sessionId },
      HostConfig: {
        NetworkMode: 'none',
        CapDrop: ['ALL'],
        Runtime: kind === 'docker' ? 'runc' : 'runsc',
      },
    })
    try {
      const stream = await raw.attach({ stream: true, stdout: true, stderr: true })
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      await raw.start()
      await raw.wait()
      const text = Buffer.concat(chunks).toString('latin1')
      expect(text).toMatch(/ptrace 0 -/)
    } finally {
      await raw.remove({ force: true })
    }
  })
})
