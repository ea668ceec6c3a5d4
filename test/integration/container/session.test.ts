/**
 * Sessions (issue 15, SandboxConfig.session): one live Python or Node interpreter per container sandbox whose
 * globals persist across execute calls, on runc and runsc. A limit outcome ends the interpreter, the result
 * says so, and the next execute runs in a fresh one that says so too; what an execute leaves running beside
 * the interpreter is gone before the next one while the interpreter's state stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/errors.js'
import type { ContainerSandbox } from '../../../src/tiers/container/container-sandbox.js'
import type { Language } from '../../../src/types.js'
import { KINDS, config, ensureImage, expectNoContainers, makeTier, request } from './helpers.js'

beforeAll(() => ensureImage())

describe.each(KINDS)('%s sessions', (kind) => {
  const tier = makeTier(kind, { poolSize: 0 })
  const open = (language: Language, extra = {}): Promise<ContainerSandbox> =>
    tier.createSandbox(
      config({
        type: kind,
        language,
        session: true,
        limits: { executionTime: 20_000 },
        ...extra,
      }),
    )
  afterAll(async () => {
    await tier.close()
    await expectNoContainers(tier)
  })

  it('I15-S1: python globals and imports persist across executes', async () => {
    const sandbox = await open('python')
    const first = await sandbox.execute(request('import json\nx = 41', 'python'))
    expect(first).toMatchObject({
      status: 'ok',
      session: { restarted: false, ended: false },
    })
    const second = await sandbox.execute(
      request('print(json.dumps({"a": x}))\nx + 1', 'python', { stdin: 'from stdin\n' }),
    )
    expect(second).toMatchObject({
      status: 'ok',
      stdout: '{"a": 41}\n',
      value: 42,
      session: { restarted: false, ended: false },
    })
    const third = await sandbox.execute(request('input()', 'python', { stdin: 'line\n' }))
    expect(third).toMatchObject({ status: 'ok', value: 'line' })
  })

  it('I15-S2: javascript globals (let, const, function) persist across executes', async () => {
    const sandbox = await open('javascript')
    await sandbox.execute(request('let x = 41; function twice(n) { return 2 * n }', 'javascript'))
    const r = await sandbox.execute(request('console.log("hi"); twice(x) + 1', 'javascript'))
    expect(r).toMatchObject({
      status: 'ok',
      stdout: 'hi\n',
      value: 83,
      session: { restarted: false, ended: false },
    })
  })

  it('I15-S3: a timeout ends the interpreter, says so, and the next execute sees fresh state', async () => {
    const sandbox = await open('python')
    await sandbox.execute(request('x = 1', 'python'))
    const timedOut = await sandbox.execute(
      request('import time\ntime.sleep(60)', 'python', { timeoutMs: 1000 }),
    )
    expect(timedOut).toMatchObject({ status: 'timeout', session: { ended: true } })
    const next = await sandbox.execute(request("'x' in globals()", 'python'))
    expect(next).toMatchObject({
      status: 'ok',
      value: false,
      session: { restarted: true, ended: false },
    })
  })

  it('I15-S4: a memory bomb ends the interpreter with status memory; the next starts fresh', async () => {
    const sandbox = await open('python', { memoryLimit: 128 * 1024 * 1024 })
    await sandbox.execute(request('kept = 7', 'python'))
    const bomb = await sandbox.execute(
      request('chunks = []\nwhile True:\n    chunks.append(bytearray(8 << 20))', 'python'),
    )
    expect(bomb).toMatchObject({ status: 'memory', session: { ended: true } })
    const next = await sandbox.execute(request("'kept' in globals()", 'python'))
    expect(next).toMatchObject({ status: 'ok', value: false, session: { restarted: true } })
  })

  it('I15-S5: a daemon an execute left is gone before the next one, the state stays', async () => {
    const sandbox = await open('python')
    const left = await sandbox.execute(
      request(
        'import subprocess\n' +
          "d = subprocess.Popen(['sleep', '300'], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n" +
          'd.pid',
        'python',
      ),
    )
    expect(left).toMatchObject({ status: 'ok', session: { ended: false } })
    const pid = left.value as number
    const next = await sandbox.execute(request(`[d.pid == ${pid}, d.poll()]`, 'python'))
    // The interpreter kept `d`; the daemon was killed (SIGKILL: -9) after the execute that left it.
    expect(next).toMatchObject({
      status: 'ok',
      value: [true, -9],
      session: { restarted: false, ended: false },
    })
  })

  it('I15-S6: a session needs a container tier language; the interpreter runs only its own', async () => {
    expect(() => config({ type: 'quickjs', language: 'javascript', session: true })).toThrow(
      ConfigError,
    )
    expect(() => config({ type: kind, language: 'shell', session: true })).toThrow(/session/)
    const sandbox = await open('python')
    await expect(sandbox.execute(request('1', 'javascript'))).rejects.toThrow(ConfigError)
  })
})
