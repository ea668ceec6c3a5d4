import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/errors.js'
import { findSocket, forbiddenHostPath, volumeBinds } from '../../../src/tiers/container/volumes.js'

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

  it.each(['/var/lib', '/usr/lib', '/var/lib/'])(
    'I12-8: refuses %s, a directory that holds a forbidden tree',
    (hostPath) => {
      expect(() => volumeBinds([{ hostPath, containerPath: '/data' }])).toThrow(
        /a directory that holds \/(var\/lib|usr\/lib)\//,
      )
    },
  )

  it('I12-8: refuses a directory with a Unix socket anywhere below it, read-only or not', async () => {
    const tree = join(dir, 'with-socket')
    mkdirSync(join(tree, 'a/b/c'), { recursive: true })
    writeFileSync(join(tree, 'a/file.txt'), 'data')
    expect(volumeBinds([{ hostPath: tree, containerPath: '/data' }])).toEqual([`${tree}:/data:ro`])
    const server = await listen(join(tree, 'a/b/c/engine.sock'))
    try {
      for (const readOnly of [true, false])
        expect(() => volumeBinds([{ hostPath: tree, containerPath: '/data', readOnly }])).toThrow(
          /volumes\[0\]\.hostPath.*Unix socket/,
        )
    } finally {
      server.close()
    }
  })

  it('refuses a tree too large to scan for sockets', () => {
    const tree = join(dir, 'large')
    mkdirSync(tree)
    for (let i = 0; i < 12; i++) writeFileSync(join(tree, `f${i}`), '')
    expect(findSocket(tree, 10)).toEqual({ tooLarge: true })
    expect(findSocket(tree, 20)).toBeUndefined()
  })
})

function listen(path: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(path, () => resolve(server))
  })
}
