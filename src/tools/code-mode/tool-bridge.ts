/**
 * The host side of code mode's tool calls: one host function the guest's `tools.x(args)` goes through.
 * Each call is counted, its arguments checked against the tool's schema and bounded in bytes, its time
 * bounded, and its result bounded before it goes back to the guest. A failure comes back to the guest
 * as a thrown Error with a message it can act on; it never ends the run by itself.
 */
import { compileSchema, type ArgumentCheck, type JsonSchema } from '../json-schema.js'

/** A tool code mode can call: plain async function plus its JSON Schema. */
export interface CodeTool {
  name: string
  description?: string | undefined
  inputSchema: JsonSchema
  outputSchema?: JsonSchema | undefined
  /** Called with validated arguments (may return a promise); the signal aborts when the call times out or the run ends. */
  execute(args: unknown, context: { signal: AbortSignal }): unknown
}

/** Bounds of the tool calls of one run. */
export interface ToolCallLimits {
  /** Calls one run may make. @default 100 */
  maxCalls?: number
  /** Time one call may take, in ms. @default 30_000 */
  callTimeoutMs?: number
  /** Bytes of one call's arguments (JSON). @default 1 MiB */
  maxArgumentBytes?: number
  /** Bytes of one call's result (JSON). @default 1 MiB */
  maxResultBytes?: number
  /** Bytes of all calls' arguments and results in one run. @default 16 MiB */
  maxTotalBytes?: number
}

export const HOST_FUNCTION_NAME = '__sandtierTool'
const MAX_MESSAGE_CHARS = 2000
const MiB = 1024 * 1024

type Reply = { ok: true; value: unknown } | { ok: false; error: string }

export interface ToolBridge {
  /** The host function to give the sandbox as hostFunctions[HOST_FUNCTION_NAME]. */
  hostFunction: (
    this: { signal?: AbortSignal } | undefined,
    name: unknown,
    args: unknown,
  ) => Promise<Reply>
  readonly calls: number
}

export function compileTools(
  tools: readonly CodeTool[],
): Map<string, CodeTool & { check: ArgumentCheck }> {
  return new Map(tools.map((t) => [t.name, { ...t, check: compileSchema(t.inputSchema) }]))
}

/** A fresh bridge for one run (its counters start at zero). */
export function createToolBridge(
  tools: Map<string, CodeTool & { check: ArgumentCheck }>,
  limits: ToolCallLimits = {},
): ToolBridge {
  const maxCalls = limits.maxCalls ?? 100
  const callTimeoutMs = limits.callTimeoutMs ?? 30_000
  const maxArgumentBytes = limits.maxArgumentBytes ?? MiB
  const maxResultBytes = limits.maxResultBytes ?? MiB
  const maxTotalBytes = limits.maxTotalBytes ?? 16 * MiB
  let calls = 0
  let totalBytes = 0

  async function call(
    runSignal: AbortSignal | undefined,
    name: unknown,
    args: unknown,
  ): Promise<Reply> {
    calls++
    if (calls > maxCalls) return fail(`more than ${maxCalls} tool calls in one run`)
    const tool = typeof name === 'string' ? tools.get(name) : undefined
    if (tool === undefined) return fail(`unknown tool ${JSON.stringify(name)}`)
    const argumentBytes = Buffer.byteLength(JSON.stringify(args ?? null))
    if (argumentBytes > maxArgumentBytes)
      return fail(
        `${tool.name}: arguments of ${argumentBytes} bytes, more than ${maxArgumentBytes}`,
      )
    totalBytes += argumentBytes
    if (totalBytes > maxTotalBytes)
      return fail(`tool calls moved more than ${maxTotalBytes} bytes in this run`)
    const verdict = tool.check(args)
    if (!verdict.ok) return fail(`${tool.name}: invalid arguments: ${verdict.message}`)
    const timeout = AbortSignal.timeout(callTimeoutMs)
    const signal = runSignal ? AbortSignal.any([runSignal, timeout]) : timeout
    try {
      const value = await untilAborted(Promise.resolve(tool.execute(args, { signal })), signal)
      const json = JSON.stringify(value ?? null)
      const resultBytes = Buffer.byteLength(json)
      if (resultBytes > maxResultBytes)
        return fail(`${tool.name}: a result of ${resultBytes} bytes, more than ${maxResultBytes}`)
      totalBytes += resultBytes
      if (totalBytes > maxTotalBytes)
        return fail(`tool calls moved more than ${maxTotalBytes} bytes in this run`)
      return { ok: true, value: JSON.parse(json) as unknown }
    } catch (err) {
      if (timeout.aborted) return fail(`${tool.name}: no answer within ${callTimeoutMs} ms`)
      if (signal.aborted) return fail(`${tool.name}: the run ended`)
      return fail(`${tool.name} failed: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  return {
    hostFunction(name, args) {
      return call(this?.signal, name, args)
    },
    get calls() {
      return calls
    },
  }
}

function fail(message: string): Reply {
  return { ok: false, error: message.slice(0, MAX_MESSAGE_CHARS) }
}

// A tool that ignores its signal must not hold the run: the call settles when the signal aborts.
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e instanceof Error ? e : new Error(String(e)))
      },
    )
  })
}
