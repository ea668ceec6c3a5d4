// The corpus extractor of the bench's real-workload section (bench/lib/python-corpus.js) on a small rst text
// written for this test: where blocks start and end, what is screened out, and that a program's verdict is
// doctest's (checked by running the generated programs under the host's python3).
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  extractBlocks,
  programFor,
  rejectReason,
  verdictOf,
} from '../../bench/lib/python-corpus.js'

const RST = [
  'Squares',
  '=======',
  '',
  'A session with a blank line between its examples stays one block::',
  '',
  '   >>> def square(x):',
  '   ...     return x * x',
  '   ...',
  '   >>> square(3)',
  '   9',
  '',
  '   >>> [square(n) for n in range(4)]',
  '   [0, 1, 4, 9]',
  '',
  'Text after a blank line ends it.',
  '',
  '    >>> total = 0',
  '    >>> total += 5',
  '',
  '.. note::',
  '',
  '   >>> import random',
  '   >>> random.random() < 1',
  '   True',
  '',
  '>>> 1 + 1',
  '3',
  '',
  'The last paragraph.',
  '',
].join('\n')

const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'

async function runProgram(code: string): Promise<string> {
  const { stdout } = await promisify(execFile)(python, ['-c', code]).catch(
    (error: { stdout: string }) => error,
  )
  return stdout
}

describe('bench python corpus extractor', () => {
  const blocks = extractBlocks(RST)

  it('finds the four blocks at their first prompt lines, dedented', () => {
    expect(blocks.map((b) => b.line)).toEqual([6, 17, 22, 26])
    expect(blocks[0]!.text).toBe(
      '>>> def square(x):\n...     return x * x\n...\n>>> square(3)\n9\n\n>>> [square(n) for n in range(4)]\n[0, 1, 4, 9]\n',
    )
    expect(blocks[3]!.text).toBe('>>> 1 + 1\n3\n')
  })

  it('counts prompts and the examples that have expected output', () => {
    expect(blocks.map((b) => [b.examples, b.checked])).toEqual([
      [3, 2],
      [2, 0],
      [2, 1],
      [1, 1],
    ])
  })

  it('screens out a block with nothing to check and one that uses randomness', () => {
    expect(blocks.map((b) => rejectReason(b))).toEqual([
      undefined,
      'no expected output (nothing to check)',
      'touches the outside world (import random)',
      undefined,
    ])
  })

  it("passes a block whose output matches by doctest's rules and fails one that does not", async () => {
    const [good, bad] = await Promise.all([
      runProgram(programFor(blocks[0]!, 'fixture:6')),
      runProgram(programFor(blocks[3]!, 'fixture:26')),
    ])
    // doctest skips the prompt-only `...` line; the definition, square(3) and the list are its 3 examples
    expect(verdictOf(good, 3)).toBe('pass')
    expect(bad).toContain('Expected:\n    3\nGot:\n    2\n')
    expect(verdictOf(bad, 1)).toBe('fail')
  })
})
