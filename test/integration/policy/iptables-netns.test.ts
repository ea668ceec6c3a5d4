/**
 * createIptablesRules() applied for real: two network namespaces that this test creates, joined by a veth
 * pair on 10.231.0.0/30 (addresses that exist only inside them), a server on one side and the generated
 * rules on the other. The allowed endpoint connects; an unlisted port and a blocked port are dropped, while
 * the same ports connect before the rules go in. The namespaces (and with them the veth pair) are deleted
 * in `finally`. Needs root, like the rest of the integration suite.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../src/config.js'
import { createIptablesRules } from '../../../src/policy/iptables-rules.js'
import { NetworkPolicy } from '../../../src/policy/network-policy.js'

const id = randomBytes(3).toString('hex')
const SERVER_NS = `sandtier-ipt-srv-${id}`
const CLIENT_NS = `sandtier-ipt-cli-${id}`
const SERVER_IP = '10.231.0.1'
const CLIENT_IP = '10.231.0.2'
const ALLOWED_PORT = 8080
const UNLISTED_PORT = 8081
const BLOCKED_PORT = 22

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

function inNamespace(ns: string, command: string, args: string[]): string {
  return run('ip', ['netns', 'exec', ns, command, ...args])
}

// One connection attempt per port from the client namespace; a DROP shows as a timeout (no RST comes back).
function probe(ports: number[]): Record<number, string> {
  const script = `
    const net = require('node:net')
    const attempt = (port) => new Promise((resolve) => {
      const s = net.connect({ host: '${SERVER_IP}', port, timeout: 700 })
      s.on('connect', () => { s.destroy(); resolve('connected') })
      s.on('timeout', () => { s.destroy(); resolve('dropped') })
      s.on('error', (e) => resolve(e.code))
    })
    Promise.all(${JSON.stringify(ports)}.map(attempt)).then((r) => console.log(JSON.stringify(r)))`
  const results = JSON.parse(inNamespace(CLIENT_NS, process.execPath, ['-e', script])) as string[]
  return Object.fromEntries(ports.map((port, i) => [port, results[i] ?? '']))
}

let server: ChildProcess | undefined

function createNamespaces(): void {
  const [a, b] = [`vst${id}a`, `vst${id}b`]
  run('ip', ['netns', 'add', SERVER_NS])
  run('ip', ['netns', 'add', CLIENT_NS])
  run('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b])
  run('ip', ['link', 'set', a, 'netns', SERVER_NS])
  run('ip', ['link', 'set', b, 'netns', CLIENT_NS])
  for (const [ns, dev, ip] of [
    [SERVER_NS, a, SERVER_IP],
    [CLIENT_NS, b, CLIENT_IP],
  ] as const) {
    inNamespace(ns, 'ip', ['addr', 'add', `${ip}/30`, 'dev', dev])
    inNamespace(ns, 'ip', ['link', 'set', dev, 'up'])
    inNamespace(ns, 'ip', ['link', 'set', 'lo', 'up'])
  }
}

async function startServer(): Promise<void> {
  const script = `
    const net = require('node:net')
    let ready = 0
    for (const port of [${ALLOWED_PORT}, ${UNLISTED_PORT}, ${BLOCKED_PORT}])
      net.createServer((s) => s.on('error', () => {}).end('hi')).listen(port, '${SERVER_IP}', () => ++ready === 3 && console.log('ready'))`
  server = spawn('ip', ['netns', 'exec', SERVER_NS, process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise<void>((resolve, reject) => {
    server?.stdout?.once('data', () => resolve())
    server?.once('exit', (code) => reject(new Error(`server exited with ${String(code)}`)))
  })
}

function cleanUp(): void {
  server?.kill('SIGKILL')
  for (const ns of [SERVER_NS, CLIENT_NS]) {
    try {
      run('ip', ['netns', 'del', ns])
    } catch {
      // Not created (setup failed early): nothing to delete.
    }
  }
}

beforeAll(async () => {
  try {
    createNamespaces()
    await startServer()
  } catch (error) {
    cleanUp()
    throw error
  }
})

afterAll(() => {
  cleanUp()
  const left = run('ip', ['netns', 'list'])
  expect(left).not.toContain(id)
})

describe('createIptablesRules in a network namespace', () => {
  const policy = NetworkPolicy.from(
    resolveConfig({
      networkEnabled: true,
      allowedDomains: ['svc.allowed.test'],
      network: {
        allowedPorts: [ALLOWED_PORT, UNLISTED_PORT],
        // The test's own /30 only: the private-address ban is lifted for nothing else.
        allowPrivateCidrs: ['10.231.0.0/30'],
      },
    }).network,
  )

  it('accepts the resolved allowed endpoint and drops an unlisted and a blocked port', () => {
    // Before the rules: every port answers, so what follows is the rules' doing.
    expect(probe([ALLOWED_PORT, UNLISTED_PORT, BLOCKED_PORT])).toEqual({
      [ALLOWED_PORT]: 'connected',
      [UNLISTED_PORT]: 'connected',
      [BLOCKED_PORT]: 'connected',
    })
    const rules = createIptablesRules(policy, {
      resolvedAllowed: [{ address: SERVER_IP, port: ALLOWED_PORT }],
    })
    for (const rule of rules) {
      const [command, ...args] = rule.split(' ')
      inNamespace(CLIENT_NS, command ?? '', args)
    }
    const listed = inNamespace(CLIENT_NS, 'iptables', ['-S', 'OUTPUT'])
    // The catch-all DROP is the last rule, after the ACCEPTs (the seed had it first).
    expect(listed.trim().split('\n').at(-1)).toBe('-A OUTPUT -j DROP')
    expect(probe([ALLOWED_PORT, UNLISTED_PORT, BLOCKED_PORT])).toEqual({
      [ALLOWED_PORT]: 'connected',
      [UNLISTED_PORT]: 'dropped',
      [BLOCKED_PORT]: 'dropped',
    })
  })

  it('refuses to emit an ACCEPT for an endpoint the policy refuses', () => {
    expect(() =>
      createIptablesRules(policy, { resolvedAllowed: [{ address: '10.231.0.5', port: 8080 }] }),
    ).toThrow(/private_address/)
    expect(() =>
      createIptablesRules(policy, {
        resolvedAllowed: [{ address: SERVER_IP, port: BLOCKED_PORT }],
      }),
    ).toThrow(/port_blocked/)
  })
})
