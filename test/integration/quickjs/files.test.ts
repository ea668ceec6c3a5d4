/**
 * Issue 14, item 4 on the quickjs tier (I14-4): the sandbox's in-memory folder through the manager's file
 * methods (QuickJsSandbox.files) and through the guest's `fs` (prelude-fs.ts), bounded by diskSpace.
 */
import { describe, expect, it } from 'vitest'
import { FileError, SandboxManager } from '../../../src/index.js'
import { useFileManager } from '../../fixtures/sandtier.js'

const { manager, runOnce } = useFileManager()
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8')

async function withSandbox<T>(
  config: Parameters<typeof manager.createSandbox>[0],
  use: (id: string) => Promise<T>,
): Promise<T> {
  const id = await manager.createSandbox({ type: 'quickjs', ...config })
  try {
    return await use(id)
  } finally {
    await manager.destroy(id)
  }
}

describe('quickjs files (I14-4)', () => {
  it('I14-4: a file put before the first run is read by the guest, and what the guest writes is read back', async () => {
    await withSandbox({}, async (id) => {
      await manager.writeFile(id, 'data/in.txt', 'héllo')
      const r = await manager.execute(
        id,
        `const fs = require('fs')
         const s = fs.readFileSync('/work/data/in.txt', 'utf8')
         fs.writeFileSync('out.bin', new Uint8Array([1, 2, 255]))
         fs.appendFileSync('data/in.txt', '!')
         s`,
      )
      expect(r.value).toBe('héllo')
      expect([...(await manager.readFile(id, '/work/out.bin'))]).toEqual([1, 2, 255])
      expect(text(await manager.readFile(id, 'data/in.txt'))).toBe('héllo!')
      const listing = await manager.listFiles(id)
      expect(listing.map((e) => [e.path, e.kind, e.size])).toEqual([
        ['data', 'directory', 0],
        ['data/in.txt', 'file', 7],
        ['out.bin', 'file', 3],
      ])
    })
  })

  it('I14-4: import from node:fs and fs/promises serve the same folder', async () => {
    const r = await runOnce(
      `import fs from 'node:fs'
       import { readFile, readdir, stat } from 'fs/promises'
       fs.mkdirSync('a/b', { recursive: true })
       fs.writeFileSync('a/b/c.txt', 'x')
       const s = await stat('a/b/c.txt')
       export default [await readFile('a/b/c.txt', 'utf8'), await readdir('a'), s.isFile(), s.size, fs.existsSync('a/nope')]`,
    )
    expect(r.value).toEqual(['x', ['b'], true, 1, false])
  })

  it("I14-4: errors are Node's: message, code, errno, syscall", async () => {
    const r = await runOnce(
      `const fs = require('fs')
       fs.writeFileSync('f', '1'); fs.mkdirSync('d')
       const tries = [() => fs.readFileSync('nope.txt'), () => fs.readFileSync('d'), () => fs.writeFileSync('f/x', ''),
         () => fs.mkdirSync('d'), () => fs.rmSync('d'), () => fs.renameSync('nope', 'x')]
       tries.map((t) => { try { t(); return 'no error' } catch (e) { return [e.code, e.errno, e.syscall, e.message] } })`,
    )
    expect(r.value).toEqual([
      ['ENOENT', -2, 'open', "ENOENT: no such file or directory, open 'nope.txt'"],
      ['EISDIR', -21, 'open', "EISDIR: illegal operation on a directory, open 'd'"],
      ['ENOTDIR', -20, 'open', "ENOTDIR: not a directory, open 'f/x'"],
      ['EEXIST', -17, 'mkdir', "EEXIST: file already exists, mkdir 'd'"],
      ['EISDIR', -21, 'rm', "EISDIR: illegal operation on a directory, rm 'd'"],
      ['ENOENT', -2, 'rename', "ENOENT: no such file or directory, rename 'nope' -> 'x'"],
    ])
  })

  it('I14-4: diskSpace ends in ENOSPC in the guest and FileError no-space on the host, names counted', async () => {
    await withSandbox({ limits: { diskSpace: 1024 * 1024 } }, async (id) => {
      const r = await manager.execute(
        id,
        `const fs = require('fs')
         fs.writeFileSync('half', 'x'.repeat(600 * 1024))
         try { fs.writeFileSync('other', 'x'.repeat(600 * 1024)); 'written' } catch (e) { e.code }`,
      )
      expect(r.value).toBe('ENOSPC')
      const write = manager.writeFile(id, 'big.bin', new Uint8Array(600 * 1024))
      await expect(write).rejects.toBeInstanceOf(FileError)
      await expect(write).rejects.toMatchObject({ reason: 'no-space' })
      // Names cost too: 2,000 empty files with 300-byte paths are past 1 MiB, however small their data.
      const names = await manager.execute(
        id,
        `const long = 'n'.repeat(250); let made = 0
         try { for (; made < 2000; made++) fs.writeFileSync(long + made, '') } catch (e) { [e.code, made < 2000] }`,
      )
      expect(names.value).toEqual(['ENOSPC', true])
    })
  })

  it('I14-4: fs outside /work moves the run to a container through the manager', async () => {
    // A manager of its own: the escalation warms a container pool the file manager's checks do not expect.
    const escalating = new SandboxManager()
    try {
      const id = await escalating.createSandbox({})
      const r = await escalating.execute(
        id,
        "const fs = require('fs'); fs.writeFileSync('a', '1'); fs.readFileSync('/etc/os-release', 'utf8').includes('Debian')",
      )
      expect(r.value).toBe(true)
      expect(r.escalations).toEqual([{ from: 'quickjs', to: 'gvisor', reason: 'capability:fs' }])
    } finally {
      await escalating.close()
    }
  })

  it('I14-4: a run that ends needing a capability leaves the folder as it found it', async () => {
    await withSandbox({ escalate: false }, async (id) => {
      await manager.writeFile(id, 'kept.txt', 'before')
      const r = await manager.execute(
        id,
        `const fs = require('fs')
         fs.writeFileSync('kept.txt', 'changed'); fs.writeFileSync('new.txt', 'x'); fs.rmSync('kept.txt')
         fs.readFileSync('/proc/self/status')`,
      )
      expect(r.error?.code).toBe('ERR_CAPABILITY_REQUIRED')
      expect((await manager.listFiles(id)).map((e) => e.path)).toEqual(['kept.txt'])
      expect(text(await manager.readFile(id, 'kept.txt'))).toBe('before')
    })
  })

  it('I14-4: a REPL sandbox keeps its files between runs, and a run ended by a limit keeps its writes', async () => {
    await withSandbox({ limits: { executionTime: 300 } }, async (id) => {
      await manager.execute(id, "require('fs').writeFileSync('one', '1')")
      const limited = await manager.execute(
        id,
        "require('fs').writeFileSync('two', '2'); for (;;) {}",
      )
      expect(limited.status).toBe('timeout')
      const r = await manager.execute(id, "require('fs').readdirSync('.')")
      expect(r.value).toEqual(['one', 'two'])
    })
  })

  it('I14-4: 1,000 small files are listed within the listing bound, from the guest and the host', async () => {
    await withSandbox({}, async (id) => {
      const started = performance.now()
      const r = await manager.execute(
        id,
        `const fs = require('fs'); fs.mkdirSync('many')
         for (let i = 0; i < 1000; i++) fs.writeFileSync('many/f' + i + '.txt', String(i))
         fs.readdirSync('many').length`,
      )
      expect(r.value).toBe(1000)
      const listing = await manager.listFiles(id, 'many')
      expect(listing.length).toBe(1000)
      expect(performance.now() - started).toBeLessThan(10_000)
      await expect(manager.readFile(id, 'many/f7.txt', { maxBytes: 0 })).rejects.toMatchObject({
        reason: 'too-large',
      })
    })
  })

  it('I14-4: the rest of fs and other encodings ask for a container', async () => {
    for (const code of [
      "require('fs').createReadStream('a')",
      "require('fs').writeFileSync('a', 'x'); require('fs').readFileSync('a', 'base64')",
      "require('fs').symlinkSync('a', 'b')",
    ]) {
      const r = await runOnce(code, { escalate: false })
      expect(r.error?.code).toBe('ERR_CAPABILITY_REQUIRED')
    }
  })
})
