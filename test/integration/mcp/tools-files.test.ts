/**
 * The file tools (write_file, read_file, list_files) and run_code's files through the dispatcher, on a
 * quickjs session (its in-memory folder) and a docker session (its /work), and a PNG a run writes under out/
 * coming back as image content a model can see (issue 16 with the files of issue 14).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SandboxManager } from '../../../src/index.js'
import { createTools, type Tools } from '../../../src/tools/index.js'

// python's own zlib and struct: a valid 1×1 PNG under out/.
const WRITE_PNG = `import struct, zlib, os
def chunk(kind, data):
    body = kind + data
    return struct.pack('>I', len(data)) + body + struct.pack('>I', zlib.crc32(body))
png = b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0)) \\
    + chunk(b'IDAT', zlib.compress(b'\\x00\\xff\\x00\\x00')) + chunk(b'IEND', b'')
os.makedirs('out', exist_ok=True)
open('out/plot.png', 'wb').write(png)
len(png)`

describe('I16-F: file tools', () => {
  let manager: SandboxManager
  let tools: Tools

  beforeAll(() => {
    manager = new SandboxManager()
    tools = createTools({ manager, config: { tiers: ['quickjs', 'docker'] } })
  })
  afterAll(async () => {
    await tools.close()
    await manager.close()
  })

  async function session(language: string): Promise<string> {
    const s = await tools.call('create_session', { language })
    expect(s.isError).toBe(false)
    return s.structuredContent?.['sessionId'] as string
  }

  it('write_file, list_files, read_file round trip on a quickjs session; the guest reads the file', async () => {
    const sessionId = await session('javascript')
    const written = await tools.call('write_file', {
      sessionId,
      path: 'data/in.txt',
      content: 'hello files',
    })
    expect(written.structuredContent).toMatchObject({ path: 'data/in.txt', size: 11 })
    const listed = await tools.call('list_files', { sessionId, path: 'data' })
    expect(JSON.stringify(listed.structuredContent)).toContain('data/in.txt')
    const run = await tools.call('run_code', {
      sessionId,
      code: "require('fs').readFileSync('data/in.txt', 'utf8').toUpperCase()",
    })
    expect(run.structuredContent).toMatchObject({ status: 'ok', value: 'HELLO FILES' })
    const read = await tools.call('read_file', { sessionId, path: 'data/in.txt' })
    expect(read.content).toEqual([{ type: 'text', text: 'hello files' }])
    await tools.call('close_session', { sessionId })
  })

  it('bytes go in as base64 and come back as base64', async () => {
    const sessionId = await session('javascript')
    const bytes = Buffer.from([0, 1, 2, 250, 255])
    await tools.call('write_file', { sessionId, path: 'b.bin', base64: bytes.toString('base64') })
    const read = await tools.call('read_file', { sessionId, path: 'b.bin', encoding: 'base64' })
    expect(read.structuredContent).toMatchObject({ size: 5, content: bytes.toString('base64') })
    await tools.call('close_session', { sessionId })
  })

  it('a path out of the folder is a tool error naming it, and nothing is written', async () => {
    const sessionId = await session('javascript')
    const r = await tools.call('write_file', { sessionId, path: '../escape.txt', content: 'x' })
    expect(r.isError).toBe(true)
    expect(JSON.stringify(r.content)).toMatch(/path/)
    const listed = await tools.call('list_files', { sessionId })
    expect(JSON.stringify(listed.structuredContent)).not.toContain('escape')
    await tools.call('close_session', { sessionId })
  })

  it("run_code's files reach the run, and a PNG it writes under out/ comes back as an image (docker)", async () => {
    const r = await tools.call('run_code', {
      language: 'python',
      tier: 'docker',
      code: `open('out-note.txt', 'w').write(open('note.txt').read())\n${WRITE_PNG}`,
      files: { 'note.txt': 'from the call' },
    })
    expect(r.isError).toBe(false)
    const image = r.content.find((c) => c.type === 'image')
    expect(image).toMatchObject({ type: 'image', mimeType: 'image/png' })
    const png = Buffer.from((image as { data: string }).data, 'base64')
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(r.structuredContent).toMatchObject({ status: 'ok', value: png.length })
  })
})
