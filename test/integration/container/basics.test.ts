/**
 * The container tiers run real code on both runtimes: hello in every language with the value rule, stdin,
 * exit codes, errors, files in and out, large requests and serialized concurrent runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GuestError } from '../../../src/errors.js'
import type { ContainerSandbox } from '../../../src/tiers/container/container-sandbox.js'
import { KINDS, config, ensureImage, expectNoContainers, makeTier, request } from './helpers.js'

beforeAll(() => ensureImage())

describe.each(KINDS)('%s tier basics', (kind) => {
  const tier = makeTier(kind, { poolSize: 0 })
  let sandbox: ContainerSandbox

  beforeAll(async () => {
    sandbox = await tier.createSandbox(config({ limits: { executionTime: 20_000 } }))
  })
  afterAll(async () => {
    await tier.close()
    await expectNoContainers(tier)
  })

  it('says hello in shell, with the exit code and no value', async () => {
    const r = await sandbox.execute(request('echo hello; echo warn >&2'))
    expect(r).toMatchObject({
      status: 'ok',
      stdout: 'hello\n',
      stderr: 'warn\n',
      exitCode: 0,
      tier: kind,
    })
    expect(r.value).toBeUndefined()
    expect(r.usage.wallMs).toBeGreaterThan(0)
    expect(r.usage.memoryPeakBytes).toBeGreaterThan(0)
    expect(r.durationMs).toBeGreaterThanOrEqual(r.usage.wallMs)
  })

  it('says hello in python: last expression, input, main(input)', async () => {
    const r = await sandbox.execute(
      request('print("hi")\ninput["a"] + 1', 'python', { input: { a: 41 } }),
    )
    expect(r).toMatchObject({ status: 'ok', stdout: 'hi\n', value: 42 })
    const main = await sandbox.execute(
      request('def main(i):\n  return {"twice": i * 2}', 'python', { input: 4 }),
    )
    expect(main).toMatchObject({ status: 'ok', value: { twice: 8 } })
  })

  it('says hello in javascript: last expression, awaited, and a default export called with input', async () => {
    const r = await sandbox.execute(
      request('console.log("hi"); Promise.resolve(input.n * 2)', 'javascript', {
        input: { n: 21 },
      }),
    )
    expect(r).toMatchObject({ status: 'ok', stdout: 'hi\n', value: 42 })
    const mod = await sandbox.execute(
      request(
        'import os from "node:os"\nexport default async (i) => [i, typeof os.cpus]',
        'javascript',
        { input: 'x' },
      ),
    )
    expect(mod).toMatchObject({ status: 'ok', value: ['x', 'function'] })
  })

  it('says hello in typescript, types stripped on the host', async () => {
    const code = 'interface In { a: number }\nexport default (i: In): string => `a=${i.a}`'
    const r = await sandbox.execute(request(code, 'typescript', { input: { a: 1 } }))
    expect(r).toMatchObject({ status: 'ok', value: 'a=1', stdout: '' })
    const bad = await sandbox.execute(request('const x: = 1', 'typescript'))
    expect(bad).toMatchObject({ status: 'error', error: { name: 'SyntaxError' } })
  })

  it('passes stdin to shell, python and node', async () => {
    const stdin = 'line one\nline two\n'
    expect((await sandbox.execute(request('wc -l', 'shell', { stdin }))).stdout.trim()).toBe('2')
    const py = await sandbox.execute(
      request('import sys\nsys.stdin.read().upper()', 'python', { stdin }),
    )
    expect(py.value).toBe('LINE ONE\nLINE TWO\n')
    const js = await sandbox.execute(
      request('require("fs").readFileSync(0, "utf8")', 'javascript', {
        stdin: new Uint8Array([104, 105]),
      }),
    )
    expect(js.value).toBe('hi')
  })

  it('reports exit codes and guest errors', async () => {
    expect(await sandbox.execute(request('echo out; exit 3'))).toMatchObject({
      status: 'error',
      exitCode: 3,
      stdout: 'out\n',
      error: { code: 'ERR_GUEST' },
    })
    const py = await sandbox.execute(request('raise KeyError("k")', 'python'))
    expect(py).toMatchObject({
      status: 'error',
      exitCode: 1,
      error: { name: 'KeyError', code: 'ERR_GUEST' },
    })
    expect(py.stderr).toMatch(/KeyError/)
    expect(await sandbox.execute(request('process.exit(5)', 'javascript'))).toMatchObject({
      status: 'error',
      exitCode: 5,
    })
    const unsafe = await sandbox.execute(request('({ f() {} }).f', 'javascript'))
    expect(unsafe).toMatchObject({
      status: 'error',
      error: { code: 'ERR_RESULT_NOT_SERIALIZABLE' },
    })
  })

  it("ends node's drained loop as node would: exit listeners, process.exitCode, a guest's beforeExit work", async () => {
    const exitCode = await sandbox.execute(
      request(
        "process.on('exit', () => console.log('bye')); process.exitCode = 4; 1",
        'javascript',
      ),
    )
    expect(exitCode).toMatchObject({ status: 'error', exitCode: 4, stdout: 'bye\n' })
    // A guest's own beforeExit listener may schedule more work: the run ends only after it.
    const more = await sandbox.execute(
      request(
        "let n = 0; process.on('beforeExit', () => { if (n++ < 2) setTimeout(() => console.log('more', n), 1) }); 'v'",
        'javascript',
      ),
    )
    expect(more).toMatchObject({ status: 'ok', value: 'v', stdout: 'more 1\nmore 2\n' })
  })

  it('writes and reads files through the sandbox, binary-safe', async () => {
    const bytes = new Uint8Array(256).map((_, i) => i)
    await sandbox.writeFile('/work/data/bytes.bin', bytes)
    expect(Buffer.from(await sandbox.readFile('/work/data/bytes.bin'))).toEqual(Buffer.from(bytes))
    await sandbox.writeFile(
      '/work/script.py',
      'print(open("/work/data/bytes.bin","rb").read()[255])',
    )
    expect((await sandbox.execute(request('python3 /work/script.py'))).stdout).toBe('255\n')
    await sandbox.execute(request('echo made-inside > /tmp/inside.txt'))
    expect(Buffer.from(await sandbox.readFile('/tmp/inside.txt')).toString()).toBe('made-inside\n')
    await expect(sandbox.readFile('/work/missing')).rejects.toBeInstanceOf(GuestError)
    await expect(sandbox.writeFile('/etc/evil', 'x')).rejects.toThrow(
      /writeFile \/etc\/evil failed/,
    )
    await expect(sandbox.readFile('/work/data/bytes.bin', { maxBytes: 10 })).rejects.toThrow(
      /larger than 10 bytes/,
    )
    // A device is not read at all (it could stream forever or block): only regular files are.
    await expect(sandbox.readFile('/dev/zero', { maxBytes: 1024 })).rejects.toThrow(
      'readFile /dev/zero: not a regular file (device)',
    )
    const aborted = { signal: AbortSignal.abort() }
    await expect(sandbox.readFile('/work/data/bytes.bin', aborted)).rejects.toMatchObject({
      code: 'ERR_CANCELLED',
    })
  })

  it('runs large requests, framed on stdin ahead of the guest stdin', async () => {
    const big = `x = "${'a'.repeat(200_000)}"\nlen(x)`
    expect(await sandbox.execute(request(big, 'python'))).toMatchObject({
      status: 'ok',
      value: 200_000,
    })
    const sh = await sandbox.execute(
      request(`# ${'b'.repeat(120_000)}\ncat; echo big-shell`, 'shell', { stdin: 'in\n' }),
    )
    expect(sh).toMatchObject({ status: 'ok', stdout: 'in\nbig-shell\n' })
    const multiline = await sandbox.execute(
      request('read -r a; echo "got $a"\nprintf "%s|" "$0" "$#"', 'shell', { stdin: 'x y\n' }),
    )
    expect(multiline).toMatchObject({ status: 'ok', stdout: 'got x y\nsh|0|' })
  })

  it('serializes concurrent runs in one sandbox', async () => {
    const runs = await Promise.all(
      [1, 2, 3].map((n) => sandbox.execute(request(`echo ${n} > /work/n; sleep 0.2; cat /work/n`))),
    )
    expect(runs.map((r) => r.stdout.trim())).toEqual(['1', '2', '3'])
  })
})
