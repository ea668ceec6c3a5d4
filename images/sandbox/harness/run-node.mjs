// sandtier node harness: runs one request's JavaScript (types already stripped on the host) and reports its
// value on a side channel. Same value rule as the QuickJS tier: a script's completion value (awaited), or a
// module's default export (a function is called with `input` and awaited), else its last expression, which
// the host exposed as the export `__st_last`.
//
// Request: the start of stdin, `<byte length>\n<JSON>` with {code, isModule, input?, nonce}, read before any guest
// code runs (never in the environment, argv or a file, where another process could read it); the guest's own
// stdin follows it, unread.
// Report: one line at the very end of stderr, `\0sandtier:<nonce>:<json>\n`, where json is {value?} or
// {error: {name, message, stack, code?}}; the host strips it, so guest stdout and stderr are never mixed with it.
import { writeSync } from 'node:fs'
import { createRequire } from 'node:module'
import { readRequest, reportLine, runRequest } from './harness-node.mjs'

const request = readRequest()
let report = {}
let reported = false

// Written last, after the event loop drained (or process.exit), so no guest output can follow it.
process.on('exit', () => {
  if (reported) return
  reported = true
  writeSync(2, reportLine(request.nonce, report))
})

// Once the event loop drained, end the way process.exit() does ('exit' listeners, then the exit code): node's
// own end after a drained loop also frees its heap page by page, which under gVisor cost ~130 ms more after a
// 300 MB heap (305-389 ms against 175-240 ms to the shell's next command). A guest's own beforeExit listener
// may schedule more work, so with one the drained loop ends as node would end it.
process.on('beforeExit', () => {
  if (process.listenerCount('beforeExit') === 1) process.exit()
})

Object.defineProperty(globalThis, 'input', {
  value: request.input,
  writable: true,
  configurable: true,
})
globalThis.require = createRequire('/work/')

const outcome = await runRequest(request, (code) => (0, eval)(code))
report = outcome.report
if (outcome.failed) process.exitCode = 1
