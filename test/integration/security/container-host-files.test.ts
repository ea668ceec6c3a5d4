/**
 * K7 (issue 21 item 7): readFile and writeFile never wait on a special file in their way. A FIFO used to
 * block readFile until its timeout (and leave the reader behind) on runsc. Now guests cannot make FIFOs on
 * either runtime (mknod is refused by the seccomp profile, which runsc applies too), a FIFO that comes with a
 * volume is refused at once (runc; runsc does not open host FIFOs at all), and so is every other non-regular
 * file, with a FileError naming its type. No file process remains.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { resolveConfig } from '../../../src/config.js'
import { GuestError } from '../../../src/errors.js'
import { KINDS, test } from '../../fixtures/sandtier.js'
import { ensureImage, request } from '../container/helpers.js'
import { execInContainer } from './container-host-helpers.js'

let volume: string

beforeAll(async () => {
  ensureImage()
  // A host FIFO, shared into the sandbox through a volume: the one way a FIFO reaches a sandbox now.
  volume = await mkdtemp(join(tmpdir(), 'sandtier-k7-'))
  // The sandbox's uid is no host user: the directory must be open to others.
  await chmod(volume, 0o755)
  execFileSync('mkfifo', ['-m', '666', join(volume, 'fifo')])
})
afterAll(async () => {
  await rm(volume, { recursive: true, force: true })
})

const SETUP = `
set -e
mkdir /work/dir
printf regular > /work/file
ln -s /work/file /work/file-link
ln -s /data/fifo /work/fifo-link
python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('/work/sock')"
`

// Processes of the container other than init and this probe, as command lines.
const PROCESSES = `import os
for p in os.listdir('/proc'):
    if p.isdigit() and int(p) > 1 and int(p) != os.getpid():
        try:
            print(open('/proc/' + p + '/cmdline').read().replace('\\0', ' ').strip())
        except OSError:
            pass`

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(GuestError)
  return (error as GuestError).message
}

describe.each(KINDS)('%s: file transfer and special files', (kind) => {
  test.override({ kind })
  // The volume's path is known once the file's beforeAll ran: the config is made per test.
  test.override('containerConfig', () => ({
    volumes: [{ hostPath: volume, containerPath: '/data', readOnly: true }],
  }))
  // Every test starts from the files SETUP makes.
  test.override('containerSandbox', async ({ tier, containerConfig }, { onCleanup }) => {
    const sandbox = await tier.createSandbox(resolveConfig(containerConfig))
    onCleanup(() => sandbox.close())
    const r = await sandbox.execute(request(SETUP))
    expect(r.stderr).toBe('')
    return sandbox
  })

  test('K7: a guest cannot make a FIFO', async ({ containerSandbox: sandbox }) => {
    const r = await sandbox.execute(request('mkfifo /work/fifo'))
    expect(r.stderr).toBe("mkfifo: cannot create fifo '/work/fifo': Operation not permitted\n")
  })

  test.for<[string, string]>([
    ['/work/sock', 'socket'],
    ['/dev/zero', 'device'],
    ['/work/dir', 'directory'],
  ])(
    'K7: readFile(%s) is refused at once as a %s',
    async ([path, type], { containerSandbox: sandbox }) => {
      const startedAt = Date.now()
      expect(await refusal(sandbox.readFile(path, { timeoutMs: 10_000 }))).toBe(
        `readFile ${path}: not a regular file (${type})`,
      )
      expect(Date.now() - startedAt).toBeLessThan(5_000)
    },
  )

  test('K7: a volume FIFO never blocks readFile or writeFile', async ({
    containerSandbox: sandbox,
  }) => {
    const startedAt = Date.now()
    const read = await refusal(sandbox.readFile('/work/fifo-link', { timeoutMs: 10_000 }))
    const write = await refusal(sandbox.writeFile('/data/fifo', 'x', { timeoutMs: 10_000 }))
    if (kind === 'docker') {
      expect(read).toBe('readFile /work/fifo-link: not a regular file (fifo)')
      expect(write).toBe('writeFile /data/fifo: not a regular file (fifo)')
    } else {
      // runsc runs without --host-fifo: the FIFO cannot even be looked at from inside the sandbox.
      expect(read).toMatch(/^readFile \/work\/fifo-link failed: dd: .*Operation not permitted$/)
      expect(write).toMatch(/^writeFile \/data\/fifo failed: dd: .*Operation not permitted$/)
    }
    expect(Date.now() - startedAt).toBeLessThan(5_000)
  })

  test('K7: regular files and links to them still go both ways, and no file process is left', async ({
    containerSandbox: sandbox,
  }) => {
    expect(Buffer.from(await sandbox.readFile('/work/file-link')).toString()).toBe('regular')
    await sandbox.writeFile('/work/file-link', 'replaced')
    expect(Buffer.from(await sandbox.readFile('/work/file')).toString()).toBe('replaced')
    const { stdout } = await execInContainer(await sandbox.containerId(), [
      'python3',
      '-c',
      PROCESSES,
    ])
    // Nothing remains besides the keeper (pid 1) and, where the image has one, its resident runner (the
    // keeper's main command, between runs).
    const left = stdout.split('\n').filter((line) => line !== '' && !line.endsWith('runner.py'))
    expect(left).toEqual([])
  })
})
