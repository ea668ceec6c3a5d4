/**
 * Runs one JavaScript program on plain Node and on the quickjs tier, the same way, and says what each
 * printed and how it ended, for the differential tests (node-compat-*.test.ts).
 *
 * Node side: a fresh `node:vm` context whose console is Node's own Console writing to buffers (no colors),
 * with the globals the quickjs tier provides taken from this process (timers, structuredClone, URL, …).
 * The program's completion value is awaited; timers still pending then are cleared, as the quickjs tier
 * ends a run when its value has settled.
 */
import { Console } from 'node:console'
import { Writable } from 'node:stream'
// The reference side of a differential test: public example programs run on plain Node, never guest code.
// eslint-disable-next-line no-restricted-imports
import vm from 'node:vm'
import type { ExecResult, SandboxManager } from '../../../src/index.js'

export interface Outcome {
  stdout: string
  stderr: string
  /** 'ok', or 'error:' + the thrown value's name. */
  verdict: string
}

const RUN_TIMEOUT_MS = 2000

/** Whatever clearTimeout takes: the timers given to the Node side's program. */
type TimerHandle = Parameters<typeof clearTimeout>[0]

/** A Writable collecting what is written to it. */
function collector(): { stream: Writable; text: () => string } {
  let text = ''
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      text += chunk.toString()
      callback()
    },
  })
  return { stream, text: () => text }
}

export async function runOnNode(code: string): Promise<Outcome> {
  const out = collector()
  const err = collector()
  const pending = new Set<TimerHandle>()
  const track = (timer: TimerHandle): TimerHandle => {
    pending.add(timer)
    return timer
  }
  const context = vm.createContext({
    console: new Console({ stdout: out.stream, stderr: err.stream, colorMode: false }),
    setTimeout: (fn: () => void, ms?: number, ...args: unknown[]) =>
      track(setTimeout(fn, ms, ...args)),
    setInterval: (fn: () => void, ms?: number, ...args: unknown[]) =>
      track(setInterval(fn, ms, ...args)),
    clearTimeout,
    clearInterval,
    setImmediate,
    clearImmediate,
    queueMicrotask,
    structuredClone,
    TextEncoder,
    TextDecoder,
    URL,
    URLSearchParams,
    atob,
    btoa,
    DOMException,
    Event,
    EventTarget,
    AbortController,
    AbortSignal,
    performance,
    crypto: {
      getRandomValues: <T extends ArrayBufferView>(a: T): T => crypto.getRandomValues(a as never),
      randomUUID: () => crypto.randomUUID(),
    },
  })
  context['global'] = vm.runInContext('globalThis', context)
  let verdict = 'ok'
  try {
    const value: unknown = vm.runInContext(code, context, { timeout: RUN_TIMEOUT_MS })
    if (
      value instanceof Promise ||
      (value !== null && typeof value === 'object' && 'then' in value)
    )
      await (value as Promise<unknown>)
    await new Promise((resolve) => setImmediate(resolve))
  } catch (e) {
    verdict = `error:${String((e as { name?: unknown } | null)?.name)}`
  }
  for (const timer of pending) clearTimeout(timer)
  return { stdout: out.text(), stderr: err.text(), verdict }
}

export async function runOnQuickJs(manager: SandboxManager, code: string): Promise<Outcome> {
  const r: ExecResult = await manager.runOnce(
    { type: 'quickjs' },
    { code, timeoutMs: RUN_TIMEOUT_MS },
  )
  const verdict =
    r.status === 'ok' ? 'ok' : r.status === 'error' ? `error:${r.error?.name}` : r.status
  return { stdout: r.stdout, stderr: r.stderr, verdict }
}

/**
 * Output with what cannot match across engines removed: stack frame lines ('    at …', whose files and
 * positions are the engine's) and Node's '... N lines matching cause stack trace ...'.
 */
export function normalize(text: string): string {
  return text
    .replace(/^ {4,}at .*\n?/gm, '')
    .replace(/^ *\.\.\. \d+ lines? matching cause stack trace \.\.\.\n?/gm, '')
}

export function sameOutcome(a: Outcome, b: Outcome): boolean {
  return (
    normalize(a.stdout) === normalize(b.stdout) &&
    normalize(a.stderr) === normalize(b.stderr) &&
    a.verdict === b.verdict
  )
}
