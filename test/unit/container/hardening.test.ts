import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../src/config.js'
import {
  containerSpec,
  hardeningKey,
  hostPidsLimit,
  KEEPER_PATH,
  RUNSC_BASE_THREADS,
  sandboxUidOf,
  withSandboxUser,
} from '../../../src/tiers/container/hardening.js'
import { newSessionIdentity } from '../../../src/tiers/container/labels.js'
import { SECCOMP_PROFILE_JSON } from '../../../src/tiers/container/seccomp-profile.js'

const identity = newSessionIdentity()
const MiB = 1024 * 1024
const hostFiles = {
  hosts: '/run/sandtier/files-v1/hosts',
  hostname: '/run/sandtier/files-v1/hostname',
  resolvConf: '/run/sandtier/files-v1/resolv.conf',
  empty: '/run/sandtier/files-v1/empty',
}

function spec(runtime: 'runc' | 'runsc', overrides = {}) {
  return containerSpec(resolveConfig(overrides), {
    runtime,
    tier: runtime === 'runc' ? 'docker' : 'gvisor',
    identity,
    hostFiles,
  })
}

describe('containerSpec', () => {
  it('hardens every container the same way on both runtimes', () => {
    for (const runtime of ['runc', 'runsc'] as const) {
      const s = spec(runtime, {
        memoryLimit: 128 * MiB,
        cpuQuota: 0.5,
        limits: { diskSpace: 8 * MiB },
      })
      const h = s.HostConfig!
      expect(s.Hostname).toBe('sandbox')
      // The image's keeper is pid 1 and, without a command, the container's only process.
      expect(s.Entrypoint).toEqual([KEEPER_PATH])
      expect(s.Cmd).toEqual([])
      expect(h).toMatchObject({
        Runtime: runtime,
        Init: false,
        NetworkMode: 'none',
        ReadonlyRootfs: true,
        Memory: 128 * MiB,
        MemorySwap: 128 * MiB,
        NanoCpus: 500_000_000,
        CapDrop: ['ALL'],
        CapAdd: [],
        Binds: [],
        LogConfig: { Type: 'none', Config: {} },
        Privileged: false,
        IpcMode: 'private',
        CgroupnsMode: 'private',
      })
      expect(h.SecurityOpt).toContain('no-new-privileges:true')
      expect(h.Tmpfs?.['/tmp']).toContain(`size=${8 * MiB}`)
      expect(h.Tmpfs?.['/tmp']).toContain('noexec')
      expect(s.Labels).toMatchObject({
        sandtier: '1',
        'sandtier.session': identity.sessionId,
        'sandtier.pid': String(process.pid),
        'sandtier.boot': identity.bootId,
      })
    }
  })

  it('sends the seccomp profile to both runtimes (runsc applies it with --oci-seccomp)', () => {
    for (const runtime of ['runc', 'runsc'] as const)
      expect(spec(runtime).HostConfig?.SecurityOpt).toContain(`seccomp=${SECCOMP_PROFILE_JSON}`)
  })

  it('has no user until withSandboxUser gives it its own uid, gid and /work', () => {
    const template = spec('runc', { limits: { diskSpace: 8 * MiB } })
    expect(template.User).toBeUndefined()
    expect(template.HostConfig?.Tmpfs?.['/work']).not.toContain('uid=')
    expect(sandboxUidOf(template)).toBeUndefined()
    const own = withSandboxUser(template, 1879048200)
    expect(own.User).toBe('1879048200:1879048200')
    expect(own.HostConfig?.Tmpfs?.['/work']).toBe(
      `rw,nosuid,nodev,exec,size=${8 * MiB},mode=0755,uid=1879048200,gid=1879048200`,
    )
    expect(own.Labels?.['sandtier.uid']).toBe('1879048200')
    expect(sandboxUidOf(own)).toBe(1879048200)
    // The template is not changed: the pool key (hardeningKey of the template) is the same for every uid.
    expect(template.HostConfig?.Tmpfs?.['/work']).not.toContain('uid=')
  })

  it("mounts neutral host files over Docker's per-container ones, and masks /dev/fuse under runsc", () => {
    const mounts = (runtime: 'runc' | 'runsc') =>
      (spec(runtime).HostConfig?.Mounts ?? []).map(
        (m) => `${m.Source}:${m.Target}:${String(m.ReadOnly)}`,
      )
    const shared = [
      `${hostFiles.hosts}:/etc/hosts:true`,
      `${hostFiles.hostname}:/etc/hostname:true`,
      `${hostFiles.resolvConf}:/etc/resolv.conf:true`,
    ]
    expect(mounts('runc')).toEqual(shared)
    expect(mounts('runsc')).toEqual([...shared, `${hostFiles.empty}:/dev/fuse:true`])
  })

  it('gives runsc pids headroom for Sentry threads and bounds guest processes with RLIMIT_NPROC', () => {
    expect(spec('runc', { pidLimit: 100 }).HostConfig?.PidsLimit).toBe(100)
    expect(spec('runsc', { pidLimit: 100 }).HostConfig?.PidsLimit).toBe(hostPidsLimit('runsc', 100))
    expect(hostPidsLimit('runsc', 100)).toBeGreaterThan(RUNSC_BASE_THREADS + 100)
    expect(spec('runsc', { pidLimit: 100 }).HostConfig?.Ulimits).toContainEqual({
      Name: 'nproc',
      Soft: 100,
      Hard: 100,
    })
    expect(
      spec('runc', { pidLimit: 100 }).HostConfig?.Ulimits?.some((u) => u.Name === 'nproc'),
    ).toBe(false)
  })

  it("takes the environment from the config only, never from the host, and never the keeper's variable", () => {
    process.env['SANDTIER_HOST_SECRET'] = 'leak'
    try {
      const env = spec('runc', { env: { A: '1', SANDTIER_KEEP: 'ready-fd' } }).Env ?? []
      expect(env).toEqual(['HOME=/work', 'A=1'])
    } finally {
      delete process.env['SANDTIER_HOST_SECRET']
    }
  })

  it('maps writableRootfs, capabilities and command', () => {
    const s = spec('runc', {
      writableRootfs: true,
      capabilities: ['CAP_CHOWN', 'fowner'],
      command: ['sh'],
    })
    expect(s.HostConfig).toMatchObject({ ReadonlyRootfs: false, CapAdd: ['CHOWN', 'FOWNER'] })
    // The command is the keeper's main command.
    expect(s.Entrypoint).toEqual([KEEPER_PATH])
    expect(s.Cmd).toEqual(['sh'])
  })

  it('keys interchangeable containers by everything but their labels', () => {
    expect(hardeningKey(spec('runc'))).toBe(hardeningKey(spec('runc')))
    expect(hardeningKey(spec('runc'))).not.toBe(hardeningKey(spec('runsc')))
    expect(hardeningKey(spec('runc'))).not.toBe(
      hardeningKey(spec('runc', { memoryLimit: 32 * MiB })),
    )
  })
})
