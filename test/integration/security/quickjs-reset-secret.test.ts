/**
 * Issue 12, finding 1: a reset gives the next tenant nothing of the previous one (quickjs tier).
 *
 * Drives the worker's own parts in this thread (no worker): a ModuleStash of real QuickJS modules, guest code
 * run through runGuest, the ended sandbox's guest handed back with recycle() as worker-main does. Then the
 * next sandbox's guest is taken (the same module, reset) and its whole linear memory is scanned from the host
 * for the previous sandbox's random secret, in the encodings QuickJS and quickjs-emscripten keep strings in:
 * 8-bit strings as Latin-1 bytes (ASCII here, so also their UTF-8 copies), wide strings as UTF-16LE.
 */
import { randomBytes, randomInt } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { STACK_RESET_BYTES } from '../../../src/tiers/quickjs/context-image.js'
import type { GuestContext } from '../../../src/tiers/quickjs/guest-context.js'
import { runGuest } from '../../../src/tiers/quickjs/guest-run.js'
import { ModuleStash } from '../../../src/tiers/quickjs/module-stash.js'
import type { ExecReply } from '../../../src/tiers/quickjs/protocol.js'
import { readStaticLayout, type StaticLayout } from '../../../src/tiers/quickjs/wasm-layout.js'

const require = createRequire(import.meta.url)
const wasmBytes = readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'))
const layout = readStaticLayout(wasmBytes) as StaticLayout
/** The default memory limit's size (64 MiB): the warm stock every run() takes from. */
const WARM_PAGES = 1024
const cancelBoard = new Int32Array(new SharedArrayBuffer(4096))
let nextToken = 1

async function newStash(): Promise<ModuleStash> {
  const stash = new ModuleStash({
    wasmModule: new WebAssembly.Module(wasmBytes),
    warmPages: WARM_PAGES,
    target: 1,
    staticLayout: layout,
  })
  await stash.fill()
  expect(stash.imageUnsupported).toBeUndefined()
  return stash
}

async function takeGuest(stash: ModuleStash): Promise<GuestContext> {
  const guest = await stash.take(WARM_PAGES)
  return guest.bind({
    memoryLimitBytes: WARM_PAGES * 65536,
    hostFunctionNames: [],
    sendHostCall: () => undefined,
    onTimer: () => undefined,
  })
}

function execute(
  guest: GuestContext,
  code: string,
  input?: unknown,
  timeoutMs = 5000,
): Promise<ExecReply> {
  return runGuest(
    guest,
    {
      type: 'exec',
      sid: 1,
      token: nextToken++,
      code,
      language: 'javascript',
      inputJson: input === undefined ? undefined : JSON.stringify(input),
      timeoutMs,
      deadlineAt: performance.timeOrigin + performance.now() + timeoutMs,
      cpuTimeMs: timeoutMs,
      maxOutputBytes: 1 << 20,
    },
    cancelBoard,
  )
}

/** Every address where the secret's characters (hex, ASCII) appear as 8-bit or as UTF-16LE text. */
function findSecret(memory: WebAssembly.Memory, hex: string): number[] {
  const bytes = Buffer.from(memory.buffer)
  const hits: number[] = []
  for (const needle of [Buffer.from(hex, 'latin1'), Buffer.from(hex, 'utf16le')])
    for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) hits.push(at)
  return hits
}

const inStack = (address: number): boolean =>
  address >= layout.stackHigh - STACK_RESET_BYTES && address < layout.stackHigh

interface Case {
  name: string
  /** The sandbox's program and input, holding `hex` (the secret). */
  program: (hex: string) => { code: string; input?: unknown; timeoutMs?: number }
  status: ExecReply['status']
  /** Where the secret must be found before the reset, for the scan after it to mean something. */
  where?: 'stack'
}

// Sizes put the secret's bytes above the ready image's heap (large allocations come from the top of the
// heap), where the reset used to leave them; the number case leaves its digits on the C stack.
const PAD = 'lorem ipsum '.repeat(8000)
const CASES: Case[] = [
  {
    name: 'as input (an API key in a document)',
    program: (hex) => ({
      code: 'input.document.indexOf("key:") > 0',
      input: { document: `${PAD} the API key: ${hex} ${PAD}` },
    }),
    status: 'ok',
  },
  {
    name: "as a string literal in the sandbox's code",
    program: (hex) => ({ code: `const doc = '${PAD}${hex}${PAD}'; doc.length` }),
    status: 'ok',
  },
  {
    name: 'in a global, as a wide (UTF-16) string',
    program: (hex) => ({ code: `globalThis.kept = ('Ω ${hex} ').repeat(4000); kept.length` }),
    status: 'ok',
  },
  {
    name: 'in a run that times out mid-way while holding it',
    program: (hex) => ({
      code: 'const held = [input.key.repeat(3000), input.key.toUpperCase()]; while (true) {}',
      input: { key: hex },
      timeoutMs: 100,
    }),
    status: 'timeout',
  },
  {
    name: "in the C stack (a number's digits)",
    // The secret here is the digits of a number: dtoa formats them in a buffer on the C stack.
    program: (digits) => ({
      code: 'const n = input.n; String(n) + n.toFixed(1) + n.toExponential(14)',
      input: { n: Number(digits) },
    }),
    status: 'ok',
    where: 'stack',
  },
]

describe('quickjs tier: a reset gives the next tenant nothing of the previous one', () => {
  it.each(CASES)('I12-1: a secret held $name is not in the next sandbox memory', async (c) => {
    const stash = await newStash()
    const secret =
      c.where === 'stack' ? String(randomInt(1e14, 2 ** 48 - 1)) : randomBytes(16).toString('hex')
    const guest = await takeGuest(stash)
    const { code, input, timeoutMs } = c.program(secret)
    const reply = await execute(guest, code, input, timeoutMs)
    expect(reply.status).toBe(c.status)
    const before = findSecret(guest.memory, secret)
    if (c.where === 'stack') expect(before.some(inStack)).toBe(true)
    else expect(before.length).toBeGreaterThan(0)

    stash.recycle(guest)
    const next = await takeGuest(stash)
    expect(next).toBe(guest) // the same module and memory, reset: the case the reset must make safe
    expect(findSecret(next.memory, secret)).toEqual([])
    // And the next sandbox runs normally on it.
    expect((await execute(next, '[typeof kept, typeof held, 6 * 7]')).valueJson).toBe(
      '["undefined","undefined",42]',
    )
  })

  it('I12-1: a module whose memory grew is dropped, not reused', async () => {
    const stash = await newStash()
    const guest = await takeGuest(stash)
    const secret = randomBytes(16).toString('hex')
    const grow = `globalThis.big = ('${secret}').repeat(1 << 20); big.length`
    expect((await execute(guest, grow)).status).toBe('ok')
    expect(guest.memory.buffer.byteLength).toBeGreaterThan(16 * 1024 * 1024)
    stash.recycle(guest)
    expect(await takeGuest(stash)).not.toBe(guest)
  })
})
