import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../src/config.js'
import { ConfigError } from '../../../src/errors.js'
import {
  guestCommand,
  interpreter,
  SHELL_BYTE_LOADER,
  SHELL_LINE_LOADER,
  SHELL_READ_MAX_BYTES,
  withEndOfRun,
  type GuestCommand,
} from '../../../src/tiers/container/guest-command.js'
import { prepareJavaScript } from '../../../src/tiers/container/js-source.js'
import type { NormalizedRequest } from '../../../src/tiers/tier.js'
import type { Language } from '../../../src/types.js'

const config = resolveConfig({ memoryLimit: 128 << 20 })
const bounds = { timeoutMs: 10_000, signal: undefined }

function req(code: string, language: Language, input?: unknown): NormalizedRequest {
  return {
    code,
    language,
    input,
    stdin: undefined,
    timeoutMs: 1000,
    signal: undefined,
    fn: undefined,
    args: undefined,
    wasmBinary: undefined,
    onOutput: undefined,
  }
}

async function command(code: string, language: Language, input?: unknown): Promise<GuestCommand> {
  const c = await guestCommand(req(code, language, input), config, bounds)
  if ('early' in c) throw new Error('unexpected early end')
  return c
}

/** The framed request: `<length>\n<body>`, the length in bytes (or lines for SHELL_LINE_LOADER). */
function unframe(c: GuestCommand): { count: number; body: string } {
  const text = c.request.toString('utf8')
  const at = text.indexOf('\n')
  return { count: Number(text.slice(0, at)), body: text.slice(at + 1) }
}

function payload(c: GuestCommand): Record<string, unknown> {
  const { count, body } = unframe(c)
  expect(Buffer.byteLength(body)).toBe(count)
  return JSON.parse(body) as Record<string, unknown>
}

describe('guestCommand', () => {
  it('K4: passes shell code on stdin, never in argv or the environment', async () => {
    const c = await command('echo hi', 'shell')
    expect(c).toMatchObject({ cmd: ['sh', '-c', SHELL_LINE_LOADER], nonce: undefined })
    expect(c).not.toHaveProperty('env')
    expect(unframe(c)).toEqual({ count: 1, body: 'echo hi\n' })
    expect(unframe(await command('a\nb\n', 'shell'))).toEqual({ count: 2, body: 'a\nb\n' })
  })

  it('reads large shell code with head -c, framed by bytes', async () => {
    const code = `# ${'x'.repeat(SHELL_READ_MAX_BYTES)}\necho`
    const c = await command(code, 'shell')
    expect(c.cmd).toEqual(['sh', '-c', SHELL_BYTE_LOADER])
    expect(unframe(c)).toEqual({ count: Buffer.byteLength(code), body: code })
  })

  it('K4: runs python and node through their harnesses with the request on stdin', async () => {
    const py = await command('1 + 1', 'python', { a: 1 })
    expect(py.cmd).toEqual(['python3', '/opt/sandtier/run-python.py'])
    expect(payload(py)).toEqual({ code: '1 + 1', nonce: py.nonce, input: { a: 1 } })
    const js = await command('input.a', 'javascript')
    expect(js.cmd).toEqual([
      'node',
      '--max-old-space-size=128',
      '--max-semi-space-size=4',
      '--min-semi-space-size=4',
      '--single-threaded-gc',
      '/opt/sandtier/run-node.mjs',
    ])
    expect(payload(js)).toEqual({ code: 'input.a', isModule: false, nonce: js.nonce })
    expect(js.nonce).toMatch(/^[0-9a-f]{32}$/)
    expect((await command('1', 'javascript')).nonce).not.toBe(js.nonce)
    expect(JSON.stringify(js.cmd)).not.toContain('input.a')
  })

  it("leaves V8's GC its helper threads only with two CPUs' quota or more", () => {
    const with2 = interpreter('javascript', { ...config, cpuQuota: 2 })
    expect(with2).not.toContain('--single-threaded-gc')
    expect(interpreter('javascript', { ...config, cpuQuota: 1.5 })).toContain(
      '--single-threaded-gc',
    )
  })

  it('frames multi-byte characters by bytes', async () => {
    const py = await command('"é€😀"', 'python')
    expect(payload(py)['code']).toBe('"é€😀"')
  })

  it('strips TypeScript types on the host', async () => {
    const ts = payload(await command('const x: number = 1; x as number', 'typescript'))
    expect(ts['code']).not.toMatch(/number/)
  })

  it('reports TypeScript that does not parse without running anything', async () => {
    const c = await guestCommand(req('const x: = ;', 'typescript'), config, bounds)
    expect(c).toMatchObject({ early: 'error', error: { name: 'SyntaxError', code: 'ERR_GUEST' } })
  })

  it('I12-8: refuses code over maxSourceBytes with a ConfigError naming the option', async () => {
    const small = resolveConfig({ maxSourceBytes: 1000 })
    for (const language of ['javascript', 'typescript', 'python', 'shell'] as const) {
      const c = guestCommand(req('x'.repeat(1001), language), small, bounds)
      await expect(c).rejects.toThrow(ConfigError)
      await expect(c).rejects.toMatchObject({ option: 'maxSourceBytes' })
    }
    await expect(guestCommand(req('1', 'javascript'), small, bounds)).resolves.toHaveProperty('cmd')
  })

  it('puts a run under run-guest.sh with its own end nonce first on stdin', async () => {
    const c = await command('echo hi', 'shell')
    const wrapped = withEndOfRun(c)
    expect(wrapped.cmd).toEqual(['sh', '/opt/sandtier/run-guest.sh', ...c.cmd])
    expect(wrapped.endNonce).toMatch(/^[0-9a-f]{32}$/)
    expect(wrapped.request.toString()).toBe(`${wrapped.endNonce}\n${c.request.toString()}`)
  })

  it('refuses languages containers do not run', async () => {
    await expect(guestCommand(req('x', 'wasm'), config, bounds)).rejects.toThrow(ConfigError)
  })
})

describe('prepareJavaScript', () => {
  it('keeps plain scripts as scripts', () => {
    expect(prepareJavaScript('let a = 1; a + 1', 'javascript')).toEqual({
      code: 'let a = 1; a + 1',
      isModule: false,
    })
  })

  it('exposes the last expression of modules and top-level await code', () => {
    expect(prepareJavaScript('import fs from "node:fs"\nfs.constants.F_OK', 'javascript')).toEqual({
      code: 'import fs from "node:fs"\nexport const __st_last = (fs.constants.F_OK);',
      isModule: true,
    })
    expect(prepareJavaScript('await 1; 2', 'javascript').code).toBe(
      'await 1; export const __st_last = (2);',
    )
  })

  it('leaves modules with a default export alone', () => {
    const code = 'export default (i) => i\n1'
    expect(prepareJavaScript(code, 'javascript')).toEqual({ code, isModule: true })
  })
})
