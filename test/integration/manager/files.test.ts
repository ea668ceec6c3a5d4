/**
 * I14-4: files on every tier through the manager — writeFile/readFile/listFiles/removeFile on a sandbox,
 * ExecRequest.files before a run, ExecResult.files for what a run wrote under out/ — on the real engine
 * (runc and runsc) and the wasm tier (a WASI module reading a file and writing out/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, FileError, SandboxManager, type Sandbox } from '../../../src/index.js'
import { KINDS, closeManagerChecked } from '../../fixtures/sandtier.js'
import { wasiCopy } from '../../fixtures/wasm/wasi-copy.js'

const manager = new SandboxManager()
afterAll(() => closeManagerChecked(manager))

const text = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('utf8')

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(
    () => 'resolved',
    (err: unknown) => err,
  )
}

// python's own zlib and struct: a valid 1×1 PNG, written without an extension and with one.
const WRITE_PNG = `import struct, zlib, os
def chunk(kind, data):
    body = kind + data
    return struct.pack('>I', len(data)) + body + struct.pack('>I', zlib.crc32(body))
png = b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0)) \\
    + chunk(b'IDAT', zlib.compress(b'\\x00\\xff\\x00\\x00')) + chunk(b'IEND', b'')
os.makedirs('out', exist_ok=True)
open('out/plot.png', 'wb').write(png)
open('out/plot', 'wb').write(png)
print(len(png))`

describe.each(KINDS)('I14-4: files on %s', (kind) => {
  let sb: Sandbox
  let small: Sandbox
  let ready: Promise<void>
  beforeAll(async () => {
    ready = Promise.all([
      manager.create({ type: kind, language: 'shell' }),
      manager.create({
        type: kind,
        language: 'shell',
        limits: { diskSpace: 1024 * 1024, maxOutputFileBytes: 10 },
      }),
    ]).then(([a, b]) => {
      sb = a
      small = b
    })
    await ready
  })
  afterAll(async () => {
    await ready
    await Promise.all([sb.destroy(), small.destroy()])
  })

  it('I14-4: a 1 MiB binary file round-trips through writeFile and readFile', async () => {
    await ready
    const bytes = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) & 0xff)
    await sb.writeFile('rt/one.bin', bytes)
    expect(Buffer.from(await sb.readFile('/work/rt/one.bin')).equals(Buffer.from(bytes))).toBe(true)
  })

  it('I14-4: listFiles lists files and folders below a folder, removeFile removes a folder whole', async () => {
    await ready
    await sb.writeFile('ls/a/b.txt', 'bb')
    await sb.writeFile('ls/c.txt', 'c')
    const listed = (await sb.listFiles('ls')).map(({ path, kind: k, size }) => [path, k, size])
    expect(listed.sort()).toEqual([
      ['ls/a', 'directory', 0],
      ['ls/a/b.txt', 'file', 2],
      ['ls/c.txt', 'file', 1],
    ])
    await sb.removeFile('ls/a')
    await sb.removeFile('ls/not-there')
    expect((await sb.listFiles('ls')).map((e) => e.path)).toEqual(['ls/c.txt'])
  })

  it.each([
    ['../escape', 'path'],
    ['/etc/passwd', 'path'],
    ['a/../../b', 'path'],
  ])('I14-4: writeFile(%s) is refused with a ConfigError naming %s', async (path, option) => {
    await ready
    const error = await rejection(sb.writeFile(path, 'x'))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).option).toBe(option)
  })

  it('I14-4: a request file outside the folder is refused with a ConfigError naming it', async () => {
    await ready
    const error = await rejection(sb.execute({ code: 'true', files: { '../x': 'x' } }))
    expect((error as ConfigError).option).toBe('files["../x"]')
  })

  it('I14-4: a folder, a link out of /work and a link to a file are not files (FileError not-a-file)', async () => {
    await ready
    const setup = await sb.execute(
      'mkdir -p nf/dir && ln -sfn /etc nf/etc && ln -sf /etc/passwd nf/pw',
    )
    expect(setup.status).toBe('ok')
    const reasons = await Promise.all(
      ['nf/dir', 'nf/etc/passwd', 'nf/pw'].map(async (path) => {
        const error = await rejection(sb.readFile(path))
        return error instanceof FileError ? error.reason : String(error)
      }),
    )
    expect(reasons).toEqual(['not-a-file', 'not-a-file', 'not-a-file'])
  })

  it('I14-4: a write past diskSpace is FileError no-space, and leaves no partial file', async () => {
    await ready
    const error = await rejection(small.writeFile('big.bin', new Uint8Array(2 * 1024 * 1024)))
    expect((error as FileError).reason).toBe('no-space')
    expect(await small.listFiles('.')).toEqual([])
  })

  it('I14-4: readFile past maxBytes is FileError too-large', async () => {
    await ready
    await sb.writeFile('tl.txt', '0123456789')
    const error = await rejection(sb.readFile('tl.txt', { maxBytes: 9 }))
    expect((error as FileError).reason).toBe('too-large')
  })

  it('I14-4: request files are there for the run, and out/ files come back with their MIME type', async () => {
    await ready
    const result = await sb.execute({
      code: 'cat in/data.csv && mkdir -p out && printf x > out/seen.txt',
      files: { 'in/data.csv': 'a,b\n1,2\n' },
    })
    expect(result.stdout).toBe('a,b\n1,2\n')
    expect(result.files?.map((f) => [f.path, f.size, f.mimeType, text(f.bytes)])).toEqual([
      ['out/seen.txt', 1, 'text/plain', 'x'],
    ])
    // An unchanged file is not reported again.
    const again = await sb.execute('true')
    expect(again.files).toEqual([])
  })

  it('I14-4: a PNG written by python comes back as image/png, by extension and by its bytes', async () => {
    await ready
    await sb.removeFile('out')
    const result = await sb.execute({ language: 'python', code: WRITE_PNG })
    expect(result.status).toBe('ok')
    const files = (result.files ?? []).map((f) => [f.path, f.mimeType, f.size, f.bytes?.length])
    const size = Number(result.stdout.trim())
    expect(files.sort()).toEqual([
      ['out/plot', 'image/png', size, size],
      ['out/plot.png', 'image/png', size, size],
    ])
  })

  it('I14-4: files past maxOutputFileBytes are listed without bytes and truncated', async () => {
    await ready
    const result = await small.execute(
      'mkdir -p out && printf 12345 > out/a.txt && printf %020d 0 > out/b.txt',
    )
    const files = (result.files ?? []).map((f) => [f.path, f.size, text(f.bytes), f.truncated])
    expect(files.sort()).toEqual([
      ['out/a.txt', 5, '12345', undefined],
      ['out/b.txt', 20, '', true],
    ])
  })

  it('I14-4: a file operation waits for the run in progress', async () => {
    await ready
    const run = sb.execute('sleep 0.5; printf late > late.txt')
    // Called while the run is in progress: it must see what the run wrote.
    const read = sb.readFile('late.txt')
    expect(text(await read)).toBe('late')
    expect((await run).status).toBe('ok')
  })
})

describe('I14-4: files on wasm', () => {
  it('I14-4: a WASI module opens a host file without O_CREAT, makes out/ and writes out/result.txt', async () => {
    await using sb = await manager.create({ type: 'wasm', language: 'wasm' })
    await sb.writeFile('in.txt', 'from the host')
    const result = await sb.execute({ wasmBinary: wasiCopy() })
    // A failing WASI call would exit with step * 1000 + errno (wasi-copy.ts).
    expect([result.status, result.exitCode]).toEqual(['ok', 0])
    expect(
      result.files?.map((f) => [f.path, f.size, f.mimeType, text(f.bytes), f.truncated]),
    ).toEqual([['out/result.txt', 13, 'text/plain', 'from the host', undefined]])
    expect(text(await sb.readFile('out/result.txt'))).toBe('from the host')
    // out/ exists now: a second run's mkdir gets EEXIST, and the changed file is listed again.
    await sb.writeFile('in.txt', 'second')
    const again = await sb.execute({ wasmBinary: wasiCopy() })
    expect([again.status, again.files?.map((f) => [f.path, text(f.bytes)])]).toEqual([
      'ok',
      [['out/result.txt', 'second']],
    ])
  })

  it('I14-4: request files reach the module; the folder is bounded by diskSpace', async () => {
    await using sb = await manager.create({
      type: 'wasm',
      language: 'wasm',
      limits: { diskSpace: 1024 * 1024 },
    })
    const result = await sb.execute({ wasmBinary: wasiCopy(), files: { 'in.txt': 'request' } })
    expect(result.status).toBe('ok')
    expect(text(await sb.readFile('out/result.txt'))).toBe('request')
    const error = await rejection(sb.writeFile('big.bin', new Uint8Array(1024 * 1024)))
    expect((error as FileError).reason).toBe('no-space')
  })

  it('I14-4: a WASI write past what the folder leaves of diskSpace gets ENOSPC and ends with the disk limit error', async () => {
    await using sb = await manager.create({
      type: 'wasm',
      language: 'wasm',
      limits: { diskSpace: 1024 * 1024 },
    })
    // Each entry costs its bytes + ENTRY_BYTES (512) + its path: the run is left 3000 bytes, enough for
    // out/ and out/result.txt (515 + 526) but not for the 4096 bytes copied into it.
    const input = 4096 + 512 + 'in.txt'.length
    const filler = 1024 * 1024 - input - (512 + 'filler.bin'.length) - 3000
    await sb.writeFile('filler.bin', new Uint8Array(filler))
    await sb.writeFile('in.txt', new Uint8Array(4096).fill(0x61))
    const result = await sb.execute({ wasmBinary: wasiCopy() })
    // Step 8 (the write) failed with WASI's ENOSPC (51).
    expect([result.status, result.exitCode, result.error?.details]).toEqual([
      'error',
      8051,
      expect.objectContaining({ resource: 'diskSpace', requestedBytes: 4096 }),
    ])
    expect(result.files?.map((f) => [f.path, f.size])).toEqual([['out/result.txt', 0]])
  })

  it('I14-4: a request whose files pass diskSpace is refused with a ConfigError naming files', async () => {
    await using sb = await manager.create({
      type: 'wasm',
      language: 'wasm',
      limits: { diskSpace: 1024 * 1024 },
    })
    const error = await rejection(
      sb.execute({ wasmBinary: wasiCopy(), files: { 'a.bin': new Uint8Array(1024 * 1024 + 1) } }),
    )
    expect((error as ConfigError).option).toBe('files')
  })
})

describe('I14-4: escalation keeps one folder', () => {
  it('I14-4: a quickjs run escalated to its container sees the sandbox files and its changes come back', async () => {
    // node and a child shell under gVisor can reach the default 64 MiB (an OOM kill ends the run 'memory'):
    // this test is about the folder, so the sandbox gets room.
    await using sb = await manager.create({ memoryLimit: 256 * 1024 * 1024 })
    await sb.writeFile('in.txt', 'kept across')
    await sb.writeFile('gone.txt', 'removed by the container')
    // The module name is computed: quickjs runs the code, finds the need, and the run moves to gvisor.
    // (Names numbered per run: the quickjs sandbox keeps its globals from run to run.)
    let runs = 0
    const shell = (command: string) => {
      const n = ++runs
      return `const cp${n} = 'node:' + 'child_process'; const m${n} = await import(cp${n}); m${n}.execSync(${JSON.stringify(command)}); 'done'`
    }
    const result = await sb.execute(
      shell('mkdir -p out && cat in.txt > out/copy.txt && rm gone.txt'),
    )
    expect([result.status, result.tier, result.value, result.escalations]).toEqual([
      'ok',
      'gvisor',
      'done',
      [{ from: 'quickjs', to: 'gvisor', reason: 'capability:child_process' }],
    ])
    expect(result.files?.map((f) => [f.path, f.size, f.mimeType, text(f.bytes)])).toEqual([
      ['out/copy.txt', 11, 'text/plain', 'kept across'],
    ])
    // Back in the quickjs sandbox's own folder: the new file, and the removal.
    expect(text(await sb.readFile('out/copy.txt'))).toBe('kept across')
    expect(((await rejection(sb.readFile('gone.txt'))) as FileError).reason).toBe('not-found')
    // A file the sandbox no longer has is gone from the container too before the next escalated run.
    await sb.removeFile('out')
    const next = await sb.execute(shell('test ! -e out && cat in.txt > fresh.txt'))
    expect([next.status, text(await sb.readFile('fresh.txt'))]).toEqual(['ok', 'kept across'])
  })
})
