import { existsSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveConfig, type SandboxConfig } from '../../../src/config.js'
import { ConfigError } from '../../../src/errors.js'
import {
  checkEgressConfig,
  EGRESS_SOCKET_PATH,
  FORWARDER_COMMAND,
  meterRun,
  SandboxEgress,
} from '../../../src/tiers/container/egress.js'
import { containerSpec, hardeningKey } from '../../../src/tiers/container/hardening.js'
import { newSessionIdentity } from '../../../src/tiers/container/labels.js'

const identity = newSessionIdentity()
const opened: SandboxEgress[] = []

afterEach(async () => {
  await Promise.all(opened.splice(0).map((e) => e.close()))
})

async function open(overrides: SandboxConfig = {}): Promise<SandboxEgress> {
  const egress = await SandboxEgress.open(
    resolveConfig({ networkEnabled: true, allowedDomains: ['api.example.com'], ...overrides }),
  )
  if (egress === undefined) throw new Error('expected egress')
  opened.push(egress)
  return egress
}

const hostFiles = { hosts: '/h', hostname: '/n', resolvConf: '/r', empty: '/e' }

function baseSpec(overrides: SandboxConfig = {}) {
  return containerSpec(resolveConfig({ networkEnabled: true, ...overrides }), {
    runtime: 'runsc',
    tier: 'gvisor',
    identity,
    hostFiles,
  })
}

describe('SandboxEgress', () => {
  it('is off without networkEnabled: no proxy, no socket', async () => {
    expect(await SandboxEgress.open(resolveConfig({}))).toBeUndefined()
  })

  it('listens in a private host directory that only the bind mount exposes', async () => {
    const egress = await open()
    const socket = egress.proxy.socketPath
    expect(statSync(socket).isSocket()).toBe(true)
    expect(statSync(socket).mode & 0o777).toBe(0o666)
    expect(statSync(dirname(socket)).mode & 0o777).toBe(0o700)
    // The guest sees this path in mountinfo: a neutral directory and a random name, nothing else.
    expect(socket).toMatch(/\/sandtier(-\d+)?\/s-[A-Za-z0-9]{6}\/proxy\.sock$/)
    await egress.close()
    expect(existsSync(dirname(socket))).toBe(false)
  })

  it('routes the container through the proxy: forwarder, proxy env, socket bind', async () => {
    const egress = await open()
    const spec = egress.applyTo(
      baseSpec({
        env: { HTTP_PROXY: 'http://elsewhere:1', NODE_OPTIONS: '--no-warnings', A: 'b' },
      }),
    )
    expect(spec.Cmd).toEqual(FORWARDER_COMMAND)
    expect(spec.NetworkDisabled).toBe(false)
    expect(spec.Env).toEqual(
      expect.arrayContaining([
        'A=b',
        'HTTP_PROXY=http://127.0.0.1:3128',
        'https_proxy=http://127.0.0.1:3128',
        'NO_PROXY=',
        'NODE_OPTIONS=--import=/opt/sandtier/egress-fetch.mjs --no-warnings',
      ]),
    )
    expect(spec.Env).not.toContain('HTTP_PROXY=http://elsewhere:1')
    expect(spec.HostConfig).toMatchObject({
      NetworkMode: 'none',
      Binds: [`${egress.proxy.socketPath}:${EGRESS_SOCKET_PATH}:ro`],
    })
    // No DNS server but the one of the shared resolv.conf (a loopback address nobody serves).
    expect(spec.HostConfig?.Mounts).toContainEqual(
      expect.objectContaining({ Source: '/r', Target: '/etc/resolv.conf', ReadOnly: true }),
    )
  })

  it('gives each sandbox its own socket, so its containers are never pooled with others', async () => {
    const [a, b] = [await open(), await open()]
    expect(a.proxy.socketPath).not.toBe(b.proxy.socketPath)
    expect(hardeningKey(a.applyTo(baseSpec()))).not.toBe(hardeningKey(b.applyTo(baseSpec())))
  })

  it('opens the proxy for one run and returns its counters, also when the run throws', async () => {
    const egress = await open()
    const ok = await meterRun(egress, { timeoutMs: 1000, signal: undefined }, async () => 42)
    expect(ok).toEqual({
      value: 42,
      network: {
        requests: 0,
        deniedRequests: 0,
        netBytesIn: 0,
        netBytesOut: 0,
        secretsBlocked: 0,
      },
    })
    await expect(
      meterRun(egress, { timeoutMs: 1000, signal: undefined }, () =>
        Promise.reject(new Error('engine gone')),
      ),
    ).rejects.toThrow('engine gone')
    expect(await meterRun(undefined, { timeoutMs: 1, signal: undefined }, async () => 1)).toEqual({
      value: 1,
      network: undefined,
    })
  })
})

describe('checkEgressConfig', () => {
  it('refuses a custom command with networkEnabled (the forwarder is the main process)', () => {
    const config = resolveConfig({ networkEnabled: true, command: ['sleep', '1000'] })
    expect(() => checkEgressConfig(config)).toThrow(ConfigError)
    expect(() => checkEgressConfig(config)).toThrow(/command/)
    expect(() => checkEgressConfig(resolveConfig({ command: ['sleep', '1000'] }))).not.toThrow()
  })
})
