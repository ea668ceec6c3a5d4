import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/errors.js'
import { forbiddenHostPath, volumeBinds } from '../../../src/tiers/container/volumes.js'

const dir = mkdtempSync(join(tmpdir(), 'sandtier-volumes-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('volumeBinds', () => {
  it('turns a safe volume into a read-only bind by default', () => {
    expect(volumeBinds([{ hostPath: dir, containerPath: '/data' }])).toEqual([`${dir}:/data:ro`])
    expect(
      volumeBinds([{ hostPath: `${dir}/`, containerPath: '/data/', readOnly: false }]),
    ).toEqual([`${dir}:/data:rw`])
  })

  it.each([
    '/var/run/docker.sock',
    '/run/docker.sock',
    '/home/someone/docker.sock',
    '/run/containerd/containerd.sock',
    '/',
    '/proc',
    '/proc/1/root',
    '/sys/fs/cgroup',
    '/dev',
    '/etc',
    '/etc/shadow',
    '/root',
    '/boot',
    '/var/lib/docker/overlay2',
    '/usr',
    '/tmp/../etc',
    '//etc//',
  ])('refuses host path %s', (hostPath) => {
    expect(() => volumeBinds([{ hostPath, containerPath: '/data' }])).toThrow(ConfigError)
  })

  it('names why a host path is refused', () => {
    expect(forbiddenHostPath('/var/run/docker.sock')).toBe('an engine or daemon socket')
    expect(forbiddenHostPath('/etc/passwd')).toBe('a path under /etc')
    expect(forbiddenHostPath('/srv/data')).toBeUndefined()
  })

  it('refuses a symlink that leads to the docker socket or /etc', () => {
    const link = join(dir, 'innocent')
    symlinkSync('/etc', link)
    expect(() => volumeBinds([{ hostPath: link, containerPath: '/data' }])).toThrow(
      /volumes\[0\]\.hostPath/,
    )
  })

  it('refuses host paths that do not exist (dockerd would create them as root)', () => {
    expect(() => volumeBinds([{ hostPath: join(dir, 'missing'), containerPath: '/data' }])).toThrow(
      /an existing host path/,
    )
  })

  it.each([
    '/',
    '/proc/x',
    '/sys',
    '/dev/shm',
    '/opt/sandtier',
    '/tmp',
    '/work',
    '/etc',
    'relative',
  ])('refuses container path %s', (containerPath) => {
    expect(() => volumeBinds([{ hostPath: dir, containerPath }])).toThrow(ConfigError)
  })

  it('refuses two volumes on one container path and paths with ":"', () => {
    expect(() =>
      volumeBinds([
        { hostPath: dir, containerPath: '/a' },
        { hostPath: dir, containerPath: '/a/' },
      ]),
    ).toThrow(/used by one volume only/)
    expect(() => volumeBinds([{ hostPath: dir, containerPath: '/a:rw' }])).toThrow(ConfigError)
  })
})
