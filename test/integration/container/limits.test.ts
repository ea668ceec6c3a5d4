/**
 * The bad inputs on both runtimes: each is stopped by its limit and classified, the run's processes
 * are gone within the limit + 2 s, the host stays fine, and the sandbox keeps working afterwards (with a new
 * container when the limit took the old one down).
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ExecResult } from '../../../src/types.js'
import type { ContainerSandbox } from '../../../src/tiers/container/container-sandbox.js'
import { hostPidsLimit } from '../../../src/tiers/container/hardening.js'
import { KINDS, config, ensureImage, expectNoContainers, makeTier, request } from './helpers.js'

const MiB = 1024 * 1024
const PID_LIMIT = 64

beforeAll(() => ensureImage())

/** Threads on the whole host (the 4th field of /proc/loadavg is running/total scheduling entities). */
function hostThreads(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[3]?.split('/')[1])
}

// Counts processes whose command line contains `needle`; the pattern is split so it never matches itself.
function countScript(needle: string): string {
  const [a, b] = [needle.slice(0, 3), needle.slice(3)]
  return `n=0; for p in /proc/[0-9]*; do case "$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)" in *"${a}""${b}"*) n=$((n+1));; esac; done; echo $n`
}

describe.each(KINDS)('%s tier limits', (kind) => {
  const tier = makeTier(kind, { poolSize: 0 })
  let sandbox: ContainerSandbox

  async function run(
    code: string,
    language: 'shell' | 'python' | 'javascript' = 'shell',
    timeoutMs = 10_000,
  ) {
    const result: ExecResult = await sandbox.execute(request(code, language, { timeoutMs }))
    return { result }
  }

  async function expectHealthy(): Promise<void> {
    const { result } = await run('echo ok')
    expect(result).toMatchObject({ status: 'ok', stdout: 'ok\n' })
  }

  beforeAll(async () => {
    sandbox = await tier.createSandbox(
      config({
        memoryLimit: 64 * MiB,
        pidLimit: PID_LIMIT,
        limits: {
          executionTime: 10_000,
          cpuTime: 2000,
          diskSpace: 16 * MiB,
          maxOutputBytes: 64 * 1024,
        },
      }),
    )
  })
  afterAll(async () => {
    await tier.close()
    await expectNoContainers(tier)
  })

  it.each([
    ['sleep 100', 'sleep 100'],
    [
      'a guest that ignores SIGTERM and leaves a detached child',
      'trap "" TERM; (setsid sleep 100 &); sleep 100',
    ],
  ])(
    'stops %s at the deadline and kills every process of the run within 2 s',
    async (_name, code) => {
      const { result } = await run(code, 'shell', 1000)
      expect(result).toMatchObject({ status: 'timeout', error: { code: 'ERR_TIMEOUT' } })
      // wallMs runs from the start of the guest's process until every process of the run was gone.
      expect(result.usage.wallMs).toBeLessThan(1000 + 2000)
      const left = await run(countScript('sleep 100'))
      expect(left.result.stdout.trim()).toBe('0')
    },
  )

  it('classifies a node memory bomb as memory and recovers', async () => {
    const { result } = await run(
      'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1))',
      'javascript',
    )
    expect(result).toMatchObject({ status: 'memory', error: { code: 'ERR_MEMORY' } })
    expect(result.usage.memoryPeakBytes).toBeGreaterThanOrEqual(64 * MiB)
    await expectHealthy()
  })

  it('classifies a python memory bomb as memory and recovers', async () => {
    const { result } = await run('x = []\nwhile True:\n  x.append(" " * 10**6)', 'python')
    expect(result.status).toBe('memory')
    expect(result.usage.wallMs).toBeLessThan(10_000)
    await expectHealthy()
  })

  it('stops a fork bomb with the pids limit while the host stays fine', async () => {
    const baseline = hostThreads()
    let peak = baseline
    const sampler = setInterval(() => (peak = Math.max(peak, hostThreads())), 50)
    try {
      const { result } = await run('f(){ f | f & }; f; sleep 100', 'shell', 3000)
      // Which status depends on whose fork the pids limit refuses first, a race the bomb runs on every try
      // (measured on both runtimes): the shell's own ('error'), the container's keeper ('crashed', the
      // sandbox reset) or only the bomb's while `sleep 100` lives on ('timeout', or 'cpu' when the refused
      // forks burn the CPU budget first); no other status was ever seen.
      const namesTheLimit: Record<string, RegExp> = {
        error: new RegExp(
          `^Resource "pids" exceeded: the sandbox may run at most ${PID_LIMIT} processes`,
        ),
        // The keeper's death is not always put down to the pids limit (seen once in five runs):
        // reported, left to the container tier's classification.
        crashed: new RegExp(
          `^The sandbox died \\(exit code \\d+\\)( after reaching the pids limit \\(pidLimit ${PID_LIMIT}\\))? \\(the sandbox was reset`,
        ),
        timeout: new RegExp(`the pids limit of ${PID_LIMIT} refused forks`),
        cpu: new RegExp(`the pids limit of ${PID_LIMIT} refused forks`),
        // Under runsc the Sentry's memory per task can reach the 64 MiB limit before the pids limit refuses a
        // fork (seen once in CI): the OOM kill takes the sandbox, and the result names the memory limit.
        memory: /^The run exceeded its memory limit of 64 MiB \(the sandbox was reset/,
      }
      expect(Object.keys(namesTheLimit), JSON.stringify(result.error)).toContain(result.status)
      expect(result.error?.message).toMatch(namesTheLimit[result.status]!)
      expect(result.usage.wallMs).toBeLessThan(3000 + 2000)
    } finally {
      clearInterval(sampler)
    }
    // The bomb never had more host threads than the container's pids limit (plus the rest of the host's churn).
    expect(peak - baseline).toBeLessThan(
      hostPidsLimit(kind === 'docker' ? 'runc' : 'runsc', PID_LIMIT) + 150,
    )
    await expectHealthy()
    const left = await run(countScript('sleep 100'))
    expect(left.result.stdout.trim()).toBe('0')
  })

  it('fails writes past the disk limit inside the sandbox (tmpfs), not on the host', async () => {
    const { result } = await run('dd if=/dev/zero of=/work/fill bs=1M count=64')
    expect(result).toMatchObject({ status: 'error', exitCode: 1 })
    expect(result.stderr).toMatch(/No space left on device/)
    const mounts = await run('grep -E " /work | /tmp " /proc/mounts; rm -f /work/fill')
    expect(mounts.result.stdout).toMatch(/ \/work tmpfs /)
    expect(mounts.result.stdout).toMatch(/size=(16384k|16777216)/)
  })

  it('refuses writes to the read-only root filesystem', async () => {
    const { result } = await run('touch /evil || touch /usr/bin/evil || echo x >> /etc/passwd')
    expect(result.status).toBe('error')
    expect(result.stderr).toMatch(/Read-only file system|Permission denied/)
  })

  it('ends an output flood with status output, keeping at most maxOutputBytes', async () => {
    const { result } = await run('yes flood')
    expect(result).toMatchObject({
      status: 'output',
      truncated: true,
      error: { code: 'ERR_OUTPUT' },
    })
    expect(Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr)).toBeLessThanOrEqual(
      64 * 1024,
    )
    expect(result.usage.wallMs).toBeLessThan(5000)
    const stderrFlood = await run('import sys\nwhile True: sys.stderr.write("e" * 4096)', 'python')
    expect(stderrFlood.result.status).toBe('output')
  })

  it('ends a run past its CPU time with status cpu, measured from cgroup accounting', async () => {
    const { result } = await run('while True: pass', 'python')
    expect(result).toMatchObject({ status: 'cpu', error: { code: 'ERR_CPU' } })
    expect(result.usage.cpuMs).toBeGreaterThanOrEqual(2000)
    expect(result.usage.wallMs).toBeLessThan(10_000)
    await expectHealthy()
  })
})
