/**
 * The real-workload corpus's extractor (issue 15): interactive-session blocks (`>>>` prompts with their
 * expected output) out of reStructuredText, and a self-checking Python program per block. The program hands
 * the block to Python's own doctest module, so the check (output matches the expected output, by doctest's
 * rules) runs the same way on the host's python3 and in any sandbox. Pure functions; the selection, the host
 * check and the cache are in python-corpus-build.js.
 */

const PROMPT = /^(\s*)>>>( |$)/
const CONTINUATION = /^(\s*)\.\.\.( |$)/

/** Blocks longer than this are not "small programs". */
export const MAX_BLOCK_CHARS = 8 * 1024

/**
 * What a corpus program must not touch, by its source: network, clocks, randomness, files, processes,
 * terminals and pagers. A program that passes its check on the host but reads any of these would give
 * verdicts that depend on where and when it runs, not on the sandbox.
 */
const UNSTABLE = [
  /\b(?:import|from)\s+(?:random|secrets|uuid|time|socket|ssl|urllib|http|ftplib|smtplib|imaplib|poplib|telnetlib|xmlrpc|asyncio|subprocess|multiprocessing|threading|concurrent|signal|os|shutil|tempfile|pathlib|glob|fileinput|sqlite3|dbm|shelve|mmap|fcntl|pty|tty|curses|tkinter|turtle|webbrowser|getpass|idlelib|resource|sched|selectors|select|zipfile|tarfile|gzip|bz2|lzma|logging|locale|gc|tracemalloc|faulthandler|ctypes)\b/,
  /\b(?:open|input|help|exit|quit|breakpoint|id|hash)\s*\(/,
  /\.(?:now|today|utcnow|time|sleep|perf_counter|monotonic|process_time|localtime|gmtime|urandom|getpid|environ|stdin)\b/,
  /\bsys\.(?:exit|stdin|argv|setrecursionlimit|settrace|setprofile)\b/,
  /\b__file__\b/,
]

/** Indent width of a line (tabs expanded to 8, as docutils does). */
const indentOf = (line) => /^\s*/.exec(line.replace(/\t/g, '        '))[0].length

/**
 * The `>>>` blocks of an rst text, in order: { line (1-based), text (dedented), examples, checked (examples
 * with expected output) }. A block starts at a prompt line and runs, at the prompt's indent, through its
 * continuation and expected-output lines; a blank line ends it unless the next non-blank line is a prompt at
 * the same indent (sessions that separate their examples with blank lines stay one program).
 */
export function extractBlocks(text) {
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  const blocks = []
  let i = 0
  while (i < lines.length) {
    const start = PROMPT.exec(lines[i])
    if (!start) {
      i++
      continue
    }
    const indent = indentOf(lines[i])
    const first = i
    let end = i
    let examples = 0
    let checked = 0
    let wantsOutput = false
    for (; i < lines.length; i++) {
      const line = lines[i]
      if (line.trim() === '') {
        let next = i + 1
        while (next < lines.length && lines[next].trim() === '') next++
        const resumes =
          next < lines.length && PROMPT.test(lines[next]) && indentOf(lines[next]) === indent
        if (!resumes) break
        wantsOutput = false
        continue
      }
      if (indentOf(line) < indent) break
      if (PROMPT.test(line) && indentOf(line) === indent) {
        examples++
        wantsOutput = true
      } else if (!(CONTINUATION.test(line) && indentOf(line) === indent) && wantsOutput) {
        // the first output line of this example counts it as checked
        checked++
        wantsOutput = false
      }
      end = i
    }
    const body = lines.slice(first, end + 1)
    blocks.push({
      line: first + 1,
      text: `${body.map((l) => l.replace(/\t/g, '        ').slice(indent)).join('\n')}\n`,
      examples,
      checked,
    })
  }
  return blocks
}

/** Why a block is left out of the corpus, or undefined when it is a candidate. */
export function rejectReason(block) {
  if (block.checked === 0) return 'no expected output (nothing to check)'
  if (block.text.length > MAX_BLOCK_CHARS) return `longer than ${MAX_BLOCK_CHARS} characters`
  // Only the code is screened: expected output may name anything.
  const code = block.text
    .split('\n')
    .filter((l) => PROMPT.test(l) || CONTINUATION.test(l))
    .join('\n')
  const hit = UNSTABLE.find((re) => re.test(code))
  return hit ? `touches the outside world (${hit.exec(code)[0].trim()})` : undefined
}

/** The line a corpus program prints last when every example matched (and the host's check looks for). */
export const passLine = (attempted) => `corpus: ${attempted} attempted, 0 failed`

/**
 * A Python program that checks one block with doctest: prints doctest's report of any mismatch, then
 * `corpus: <n> attempted, <f> failed`, and ends with SystemExit(1) when an example failed. The block is a
 * JSON string literal, which is also a valid Python string literal (same escapes; \u for the rest).
 */
export function programFor(block, name) {
  return [
    'import doctest, sys',
    `TEXT = ${JSON.stringify(block.text)}`,
    `test = doctest.DocTestParser().get_doctest(TEXT, {'__name__': '__main__'}, ${JSON.stringify(name)}, None, 0)`,
    'runner = doctest.DocTestRunner(verbose=False)',
    'runner.run(test, out=sys.stdout.write)',
    'print(f"corpus: {runner.tries} attempted, {runner.failures} failed")',
    'if runner.failures:',
    '    raise SystemExit(1)',
    '',
  ].join('\n')
}

/** A program's verdict from what it printed: 'pass' when its last line is passLine(examples). */
export function verdictOf(stdout, examples) {
  const last = stdout.trimEnd().split('\n').pop()
  return last === passLine(examples) ? 'pass' : 'fail'
}
