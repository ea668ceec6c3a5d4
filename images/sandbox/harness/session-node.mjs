// sandtier JavaScript session: one live node whose globals persist across runs (issue 15; the protocol and the
// runner's side are in session.py). fd 3 is the control socket: `<seq> <length>\n<request>` in (the framed
// request as run-node.mjs reads it, then the guest's stdin), `done <seq> <code>\n` out once the run's report
// line is on stderr. fd 0 is /dev/null: the guest's stdin is `process.stdin`, a stream of the given bytes.
//
// Scripts run in the global scope of this context (vm.runInThisContext), as consecutive scripts of a page do:
// top-level var, let, const, function and class declarations persist (declaring the same let/const/class
// again is a SyntaxError, as there). A module (import/export, top-level await) is imported as a module of its
// own: only what it puts on globalThis persists. A run ends when its value settled; timers and promises it
// left go on in the background, and what they print comes with the next run.
import { createRequire } from 'node:module'
import { Socket } from 'node:net'
import { Readable } from 'node:stream'
// Inside the container, which is the sandbox: vm only gives the session one scope that persists across runs.
// eslint-disable-next-line no-restricted-imports
import { runInThisContext } from 'node:vm'
import { writeSync } from 'node:fs'
import { reportLine, runRequest, splitRequest } from './harness-node.mjs'

const MAX_CONTROL_LINE = 64
const ctl = new Socket({ fd: 3, readable: true, writable: true })

globalThis.require = createRequire('/work/')
// A callback the guest left behind that throws must not end the session: it is reported on stderr (with the
// run in progress, or the next one) like the browser console does.
const report = (e) => {
  try {
    process.stderr.write('Uncaught ' + (e?.stack ?? String(e)) + '\n')
  } catch {
    // stderr itself is gone (the guest closed it): nothing left to report on.
  }
}
process.on('uncaughtException', report)
process.on('unhandledRejection', report)

let pending = Buffer.alloc(0)
let busy = false

function setRunInput(request, stdin) {
  if ('input' in request)
    Object.defineProperty(globalThis, 'input', {
      value: request.input,
      writable: true,
      configurable: true,
    })
  else delete globalThis.input
  const stream = Readable.from(stdin.length > 0 ? [Buffer.from(stdin)] : [])
  Object.defineProperty(process, 'stdin', { value: stream, configurable: true, writable: true })
}

async function runOne(seq, data) {
  const { request, stdin } = splitRequest(data)
  setRunInput(request, stdin)
  const outcome = await runRequest(request, (code) =>
    runInThisContext(code, { filename: 'main.js' }),
  )
  writeSync(2, reportLine(request.nonce, outcome.report))
  ctl.write(`done ${seq} ${outcome.failed ? 1 : 0}\n`)
}

async function pump() {
  if (busy) return
  busy = true
  try {
    for (;;) {
      const newline = pending.indexOf(0x0a)
      if (newline < 0) {
        if (pending.length > MAX_CONTROL_LINE) process.exit(2)
        return
      }
      const match = /^([0-9]+) ([0-9]+)$/.exec(pending.subarray(0, newline).toString('latin1'))
      if (!match) process.exit(2)
      const end = newline + 1 + Number(match[2])
      if (pending.length < end) return
      const data = pending.subarray(newline + 1, end)
      pending = pending.subarray(end)
      await runOne(match[1], data)
    }
  } finally {
    busy = false
  }
}

ctl.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk])
  void pump()
})
// The runner let go: nothing more will come.
ctl.on('end', () => process.exit(0))
ctl.on('error', () => process.exit(0))
ctl.write('ready\n')
