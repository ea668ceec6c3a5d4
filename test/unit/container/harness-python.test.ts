import { describe, expect, it } from 'vitest'
import { runHarness } from './harness-run.js'

const run = (code: string, input?: unknown, stdin = '') =>
  runHarness('python', input === undefined ? { code } : { code, input }, stdin)

describe('python harness value rule', () => {
  it.each([
    ['1 + 1', undefined, 2],
    ['x = 20\nx * 2 + 2', undefined, 42],
    ['input["a"] + 1', { a: 41 }, 42],
    ['(1, "a", None, 1.5)', undefined, [1, 'a', null, 1.5]],
    ['float("nan")', undefined, null],
    ['import asyncio\nasync def f():\n  return 5\nawait f()', undefined, 5],
    ['import asyncio\nq = asyncio.Queue()\nawait q.put(7)\nawait q.get()', undefined, 7],
    ['def main(i):\n  return i * 2', 21, 42],
    ['async def main():\n  return "async"', undefined, 'async'],
    ['import datetime\ndatetime.date(2020, 1, 2)', undefined, '2020-01-02'],
  ])('%j → %j', (code, input, value) => {
    expect(run(code, input).report).toEqual({ value })
  })

  it('has no value for None and does not call main when the script calls it itself', () => {
    expect(run('print("hi")')).toMatchObject({ status: 0, stdout: 'hi\n', report: {} })
    const guarded =
      'calls = []\ndef main():\n  calls.append(1)\n  print(len(calls))\nif __name__ == "__main__":\n  main()'
    expect(run(guarded)).toMatchObject({ stdout: '1\n', report: {} })
  })

  it('K4: leaves no trace of the request in its environment or argv', () => {
    const code =
      'm = "SECRET" + "-MARK"\n' +
      'texts = [open(f"/proc/self/{n}", "rb").read().decode("latin1") for n in ("environ", "cmdline")]\n' +
      'any(m in t or "nonce" in t for t in texts)'
    expect(run(code, 'SECRET-MARK').report).toEqual({ value: false })
  })

  it('keeps the builtin input() when no input is given', () => {
    expect(run('input()', undefined, 'line\n').report).toEqual({ value: 'line' })
  })

  it.each(['{1, 2}', 'b"x"', 'object()', '{1: "a"}', 'lambda: 1'])(
    'refuses the non-JSON-safe value %s',
    (code) => {
      expect(run(code).report?.error).toMatchObject({
        name: 'ResultNotSerializable',
        code: 'ERR_RESULT_NOT_SERIALIZABLE',
      })
    },
  )

  it('reports uncaught exceptions with the guest traceback only', () => {
    const r = run('def f():\n  raise ValueError("bad")\nf()')
    expect(r.status).toBe(1)
    expect(r.report?.error).toMatchObject({ name: 'ValueError', message: 'bad' })
    expect(r.stderr).toMatch(/File "main.py", line 2/)
    expect(r.stderr).not.toMatch(/run-python/)
  })

  it('keeps sys.exit codes and syntax errors', () => {
    expect(run('import sys\nsys.exit(4)')).toMatchObject({ status: 4, report: {} })
    expect(run('def (:').report?.error?.name).toBe('SyntaxError')
  })
})
