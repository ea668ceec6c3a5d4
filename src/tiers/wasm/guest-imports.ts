/**
 * The host functions a guest module links against: `env` (AssemblyScript runtime: abort, trace, seed, Date,
 * console), `sandtier` (the guest library: input, output, log, fetch, call) and `host` (the sandbox's numeric
 * hostFunctions). Every namespace is a null-prototype object holding only these functions: a module can never
 * reach `globalThis` or `Object.prototype` through its imports.
 */
import { MiB } from '../../config.js'
import { randomFillSync } from 'node:crypto'
import { GuestAbort } from './guest-outcome.js'
import { GuestFault, type GuestMemory } from './guest-memory.js'
import type { FuncType } from './module-inspect.js'
import { ResultLimitReached, type OutputSink } from './output-sink.js'

/** Largest request (fetch init, host call arguments) a guest may pass, in bytes. */
export const MAX_REQUEST_BYTES = MiB
const MAX_NAME_BYTES = 256
const encoder = new TextEncoder()

/** What the imports share with the runner for one run. */
export interface GuestState {
  memory: GuestMemory
  sink: OutputSink
  input: Uint8Array
  /** The buffer the next `sandtier.read` copies from (input, fetch or host call results). */
  pending: Uint8Array
  /** Set by `sandtier.output`: the run's value as JSON text (or plain text). */
  output: string | undefined
  /** Longest value `sandtier.output` may hand over, in UTF-8 bytes (the run's maxOutputBytes). */
  maxValueBytes: number
  /** Synchronous call into the host thread; throws GuestFault on failure. */
  callHost: (target: string, args: unknown[]) => unknown
}

type ImportFn = (...args: never[]) => unknown

function namespace(entries: Record<string, ImportFn>): Record<string, ImportFn> {
  return Object.assign(Object.create(null) as Record<string, ImportFn>, entries)
}

export function envImports(state: GuestState): Record<string, ImportFn> {
  const { memory, sink } = state
  const str = (ptr: number): string => memory.readAsString(ptr)
  return namespace({
    abort: (msg: number, file: number, line: number, column: number) => {
      throw new GuestAbort(
        msg === 0 ? 'abort' : str(msg),
        file === 0 ? '<unknown>' : str(file),
        line >>> 0,
        column >>> 0,
      )
    },
    trace: (msg: number, n: number, ...values: number[]) => {
      const shown = values.slice(0, Math.max(0, Math.min(n, 5)))
      sink.write('stderr', `trace: ${str(msg)}${shown.length > 0 ? ` ${shown.join(', ')}` : ''}\n`)
    },
    seed: () => {
      const word = new Uint32Array(1)
      randomFillSync(word)
      return (word[0] as number) + 1
    },
    'Date.now': () => Date.now(),
    'console.log': (ptr: number) => sink.write('stdout', `${str(ptr)}\n`),
    'console.debug': (ptr: number) => sink.write('stdout', `${str(ptr)}\n`),
    'console.info': (ptr: number) => sink.write('stdout', `${str(ptr)}\n`),
    'console.warn': (ptr: number) => sink.write('stderr', `${str(ptr)}\n`),
    'console.error': (ptr: number) => sink.write('stderr', `${str(ptr)}\n`),
    'console.assert': (condition: number, ptr: number) => {
      if (condition === 0) sink.write('stderr', `Assertion failed: ${str(ptr)}\n`)
    },
  })
}

/** Frames a host call result for the guest library: a status byte (1 ok, 0 error) then UTF-8 text. */
function frame(ok: boolean, text: string): Uint8Array {
  const body = encoder.encode(text)
  const out = new Uint8Array(body.length + 1)
  out[0] = ok ? 1 : 0
  out.set(body, 1)
  return out
}

export function sandtierImports(state: GuestState): Record<string, ImportFn> {
  const { memory, sink } = state
  const text = (ptr: number, len: number, cap: number, what: string): string =>
    memory.readUtf8(ptr, len, cap, what)
  // Past the limit only what fits is read (host copies stay bounded); the sink keeps it and stops the run.
  const writeOut = (stream: 'stdout' | 'stderr', ptr: number, len: number, what: string): void => {
    const room = Math.max(0, sink.room)
    sink.write(stream, `${text(ptr, Math.min(len, room), room, what)}\n`)
  }
  return namespace({
    input_size: () => {
      state.pending = state.input
      return state.input.length
    },
    read: (ptr: number, len: number) => {
      memory.write(
        ptr,
        state.pending.subarray(0, Math.min(len >>> 0, state.pending.length)),
        'sandtier.read',
      )
    },
    output: (ptr: number, len: number) => {
      // The length is checked before a byte is copied: an 80 MB value never reaches a host string.
      if (len > state.maxValueBytes) throw new ResultLimitReached(state.maxValueBytes)
      state.output = text(ptr, len, state.maxValueBytes, 'sandtier.output')
    },
    log: (ptr: number, len: number) => writeOut('stdout', ptr, len, 'sandtier.log'),
    log_error: (ptr: number, len: number) => writeOut('stderr', ptr, len, 'sandtier.log_error'),
    fetch: (ptr: number, len: number) => {
      const request = text(ptr, len, MAX_REQUEST_BYTES, 'sandtier.fetch')
      state.pending = frame(true, '')
      try {
        const response = state.callHost('fetch', [request]) as string
        state.pending = frame(true, response)
      } catch (error) {
        if (!(error instanceof GuestFault)) throw error
        state.pending = frame(false, `${error.name}\n${error.message}`)
      }
      return state.pending.length
    },
    call: (namePtr: number, nameLen: number, argsPtr: number, argsLen: number) => {
      const name = text(namePtr, nameLen, MAX_NAME_BYTES, 'sandtier.call name')
      const argsJson = text(argsPtr, argsLen, MAX_REQUEST_BYTES, 'sandtier.call arguments')
      try {
        state.pending = frame(true, state.callHost(`json:${name}`, [argsJson]) as string)
      } catch (error) {
        if (!(error instanceof GuestFault)) throw error
        state.pending = frame(false, `${error.name}\n${error.message}`)
      }
      return state.pending.length
    },
  })
}

/** `host.<name>` imports of a raw module: numbers in, one number out, i64 as BigInt on the wasm side. */
export function hostImports(
  state: GuestState,
  imports: readonly { name: string; type: FuncType }[],
): Record<string, ImportFn> {
  const out = namespace({})
  for (const { name, type } of imports) {
    out[name] = (...args: (number | bigint)[]) => {
      const plain = args.map((a, i) => toPlainNumber(a, `host.${name} argument ${i}`))
      const result = state.callHost(`host:${name}`, plain)
      const resultType = type.results[0]
      if (resultType === undefined) return undefined
      if (typeof result !== 'number' && typeof result !== 'bigint')
        throw new GuestFault(`host.${name} returned a non-number`)
      if (resultType === 'i64')
        return BigInt.asIntN(64, BigInt(typeof result === 'number' ? Math.trunc(result) : result))
      return Number(result)
    }
  }
  return out
}

function toPlainNumber(value: number | bigint, what: string): number {
  if (typeof value === 'number') return value
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
    throw new GuestFault(`${what}: ${value} does not fit a JSON number`)
  return Number(value)
}
