/**
 * Network policy conformance: every row of test/fixtures/policy-table.ts on every tier, through the public
 * API (SandboxManager): the pure core, QuickJS fetch, the AssemblyScript guest library's fetch, and node and
 * python guests on docker (runc) and gvisor (runsc) through the egress proxy. Each tier must give the row's
 * outcome (or the documented difference), and the test servers must have seen exactly the allowed requests.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SandboxManager, type ExecRequest, type SandboxConfig } from '../../../src/index.js'
import { NetworkPolicy } from '../../../src/policy/network-policy.js'
import {
  POLICY_TABLE,
  policyConfig,
  rowUrl,
  type PolicyName,
  type PolicyRow,
  type TestPorts,
} from '../../fixtures/policy-table.js'
import { startTestServers, type TestServers } from '../policy/egress-servers.js'
import { ensureImage } from '../container/helpers.js'
import { JS_PROBE, PYTHON_PROBE, assemblyScriptProbe, coreOutcome } from './policy-probes.js'

const CA = readFileSync(new URL('../../unit/policy/fixtures/self-signed.crt', import.meta.url))
const GROUPS: PolicyName[] = ['main', 'literal', 'closed', 'disabled']
const RUNNERS = [
  'core',
  'quickjs',
  'assemblyscript',
  'docker-node',
  'docker-python',
  'gvisor-node',
  'gvisor-python',
] as const
type Runner = (typeof RUNNERS)[number]

let servers: TestServers
let ports: TestPorts
const manager = new SandboxManager({ tiers: { docker: { poolSize: 0 }, gvisor: { poolSize: 0 } } })
/** runner → row id → outcome */
const outcomes = new Map<Runner, Map<string, string>>()
/** runner → what the servers saw during its runs */
const seen = new Map<Runner, { paths: string[]; serverNames: string[] }>()

function rowsOf(group: PolicyName): PolicyRow[] {
  return POLICY_TABLE.filter((row) => row.policy === group)
}

function record(runner: Runner, rows: PolicyRow[], values: unknown): void {
  expect(values, `${runner} returned one outcome per row`).toHaveLength(rows.length)
  const map = outcomes.get(runner) ?? new Map<string, string>()
  rows.forEach((row, i) => map.set(row.id, String((values as unknown[])[i])))
  outcomes.set(runner, map)
}

async function runGuest(config: SandboxConfig, requests: ExecRequest[]): Promise<unknown[]> {
  const id = await manager.createSandbox(config)
  try {
    const values: unknown[] = []
    for (const request of requests) {
      const result = await manager.execute(id, { timeoutMs: 60_000, ...request })
      const context = `${String(config.type)} ${request.language ?? ''}: ${result.stderr.slice(-500)}`
      expect(result.error, `${JSON.stringify(result.error)} ${context}`).toBeUndefined()
      values.push(result.value)
    }
    return values
  } finally {
    await manager.destroy(id)
  }
}

// Runs `fn` and keeps what the servers saw meanwhile.
async function observed(runner: Runner, fn: () => Promise<void>): Promise<void> {
  const [paths, names] = [servers.pathsSeen.length, servers.serverNames.length]
  await fn()
  seen.set(runner, {
    paths: servers.pathsSeen.slice(paths),
    serverNames: servers.serverNames.slice(names),
  })
}

async function runContainers(tier: 'docker' | 'gvisor'): Promise<void> {
  for (const language of ['node', 'python'] as const) {
    await observed(`${tier}-${language}`, async () => {
      for (const group of GROUPS) {
        const rows = rowsOf(group)
        const urls = rows.map((row) => rowUrl(row, ports))
        const config = {
          ...policyConfig(group, ports),
          type: tier,
          env: { NODE_EXTRA_CA_CERTS: '/work/ca.crt', SSL_CERT_FILE: '/work/ca.crt' },
        }
        const probe: ExecRequest =
          language === 'node'
            ? { code: JS_PROBE, language: 'javascript', input: urls }
            : { code: PYTHON_PROBE, language: 'python', input: urls }
        const install: ExecRequest = { code: 'cat > /work/ca.crt', language: 'shell', stdin: CA }
        const [, values] = await runGuest(config, [install, probe])
        record(`${tier}-${language}`, rows, values)
      }
    })
  }
}

beforeAll(async () => {
  ensureImage()
  servers = await startTestServers()
  ports = servers.ports
  for (const group of GROUPS) {
    const policy = NetworkPolicy.from(policyConfig(group, ports))
    const rows = rowsOf(group)
    record(
      'core',
      rows,
      await Promise.all(rows.map((row) => coreOutcome(policy, rowUrl(row, ports)))),
    )
  }
  await observed('quickjs', async () => {
    for (const group of GROUPS) {
      const urls = rowsOf(group).map((row) => rowUrl(row, ports))
      const config = { ...policyConfig(group, ports), type: 'quickjs' as const }
      const [values] = await runGuest(config, [{ code: JS_PROBE, input: urls }])
      record('quickjs', rowsOf(group), values)
    }
  })
  await observed('assemblyscript', async () => {
    for (const group of GROUPS) {
      const urls = rowsOf(group).map((row) => rowUrl(row, ports))
      const config = {
        ...policyConfig(group, ports),
        type: 'wasm' as const,
        language: 'assemblyscript' as const,
      }
      const code = assemblyScriptProbe(urls)
      const [values] = await runGuest(config, [{ code, language: 'assemblyscript' }])
      record('assemblyscript', rowsOf(group), values)
    }
  })
  await runContainers('docker')
  await runContainers('gvisor')
}, 240_000)

afterAll(async () => {
  await manager.close()
  await servers.close()
})

/** What `runner` must report for `row`: the row's outcome, or its documented difference. */
function expectedFor(row: PolicyRow, runner: Runner): string {
  const isContainer = runner.startsWith('docker') || runner.startsWith('gvisor')
  if (isContainer && row.differs?.containers) return row.differs.containers.observed
  if (runner.endsWith('python') && row.differs?.python) return row.differs.python.observed
  return row.expect
}

describe('network policy conformance', () => {
  it.each(POLICY_TABLE.map((row) => [row.id, row.what, row] as const))(
    '%s %s',
    (_id, _what, row) => {
      for (const runner of RUNNERS) {
        const expected = expectedFor(row, runner)
        const actual = outcomes.get(runner)?.get(row.id)
        if (expected === 'failed:') expect(actual, runner).toMatch(/^failed:/)
        else expect(actual, runner).toBe(expected)
      }
    },
  )

  it.each(RUNNERS.filter((r) => r !== 'core'))(
    '%s: the servers saw exactly the allowed requests',
    (runner) => {
      // Every redirect row's first hop is allowed; its target only when the row is.
      const reached = POLICY_TABLE.flatMap((row) => {
        const url = new URL(rowUrl(row, ports))
        const to = url.searchParams.get('to')
        const isAllowed = expectedFor(row, runner) === 'allowed'
        if (to !== null) return isAllowed ? [url, new URL(to)] : [url]
        return isAllowed ? [url] : []
      })
      const paths = reached.filter((u) => u.protocol === 'http:').map((u) => u.pathname + u.search)
      const names = reached.filter((u) => u.protocol === 'https:').map((u) => u.hostname)
      expect([...(seen.get(runner)?.paths ?? [])].sort()).toEqual(paths.sort())
      expect(seen.get(runner)?.serverNames).toEqual(names)
    },
  )
})
