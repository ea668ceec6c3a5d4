import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../src/config.js'
import { ConfigError } from '../../../src/errors.js'
import {
  guestCommand,
  MAX_INLINE_REQUEST_BYTES,
  type GuestCommand,
} from '../../../src/tiers/container/guest-command.js'
import { prepareJavaScript } from '../../../src/tiers/container/js-source.js'
import type { NormalizedRequest } from '../../../src/tiers/tier.js'
import type { Language } from '../../../src/types.js'

const config = resolveConfig({ memoryLimit: 128 << 20 })

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
  }
}

function command(code: string, language: Language, input?: unknown): GuestCommand {
  const c = guestCommand(req(code, language, input), config)
  if ('compileError' in c) throw new Error('unexpected compile error')
  return c
}

function payload(c: GuestCommand): Record<string, unknown> {
  return JSON.parse(c.env[0]!.slice('SANDTIER_REQ='.length)) as Record<string, unknown>
}

describe('guestCommand', () => {
  it('runs shell directly, without a report', () => {
    expect(command('echo hi', 'shell')).toEqual({
      cmd: ['sh', '-c', 'echo hi'],
      env: [],
      nonce: undefined,
    })
  })

  it('runs python and node through their harnesses with the request in the environment', () => {
    const py = command('1 + 1', 'python', { a: 1 })
    expect(py.cmd).toEqual(['python3', '/opt/sandtier/run-python.py'])
    expect(payload(py)).toEqual({ code: '1 + 1', nonce: py.nonce, input: { a: 1 } })
    const js = command('input.a', 'javascript')
    expect(js.cmd).toEqual(['node', '--max-old-space-size=128', '/opt/sandtier/run-node.mjs'])
    expect(payload(js)).toEqual({ code: 'input.a', isModule: false, nonce: js.nonce })
    expect(js.nonce).toMatch(/^[0-9a-f]{32}$/)
    expect(command('1', 'javascript').nonce).not.toBe(js.nonce)
  })

  it('strips TypeScript types on the host', () => {
    const ts = payload(command('const x: number = 1; x as number', 'typescript'))
    expect(ts['code']).not.toMatch(/number/)
  })

  it('reports TypeScript that does not parse without running anything', () => {
    const c = guestCommand(req('const x: = ;', 'typescript'), config)
    expect(c).toMatchObject({ compileError: { name: 'SyntaxError', code: 'ERR_GUEST' } })
  })

  it('stages requests too large for one environment string', () => {
    const big = `// ${'x'.repeat(MAX_INLINE_REQUEST_BYTES)}\n1`
    const js = command(big, 'javascript')
    expect(js.env).toEqual([`SANDTIER_REQ_FILE=/tmp/.sandtier/req-${js.nonce}.json`])
    expect(JSON.parse(js.stage!.data.toString())).toMatchObject({ code: big })
    const sh = command(`# ${'x'.repeat(MAX_INLINE_REQUEST_BYTES)}\necho`, 'shell')
    expect(sh.cmd).toEqual(['sh', sh.stage!.path])
  })

  it('refuses languages containers do not run', () => {
    expect(() => guestCommand(req('x', 'wasm'), config)).toThrow(ConfigError)
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
