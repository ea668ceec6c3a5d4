/**
 * One run inside a guest worker: a zeroed bounded memory (new, or the worker's last one zero-filled) and a new
 * instance per run, the entry called, the outcome classified and measured. Nothing of a run survives into the
 * next one but the compiled module.
 */
import { WASM_PAGE_BYTES } from '../../config.js'
import { GuestMemory } from './guest-memory.js'
import { envImports, hostImports, sandtierImports, type GuestState } from './guest-imports.js'
import { classifyFailure, diskLimitOutcome, type Outcome } from './guest-outcome.js'
import { HOST_MODULE, SANDTIER_MODULE, WASI_MODULE } from './import-signatures.js'
import { recycleMemory, takeMemory } from './memory-spare.js'
import { OutputSink, ResultLimitReached } from './output-sink.js'
import type { HostCallEvent, OutputEvent, RunMessage, RunReply } from './protocol.js'
import type { SyncBridge } from './sync-bridge.js'
import type { FolderSnapshot } from './wasi-disk-files.js'
import { createWasiSession, type WasiSession } from './wasi-imports.js'

const encoder = new TextEncoder()

/** Runs one RunMessage; never throws for guest failures (they are classified into the reply). */
export async function runGuest(
  msg: RunMessage,
  bridge: SyncBridge,
  post: (event: OutputEvent | HostCallEvent) => void,
): Promise<RunReply> {
  const started = performance.now()
  const cpuStart = process.cpuUsage()
  bridge.reset()
  const { token } = msg
  const sink = new OutputSink(
    msg.maxOutputBytes,
    (event) => post({ ...event, token }),
    msg.stream === true,
  )
  let outcome: Outcome = { status: 'ok', exitCode: 0 }
  let value: unknown
  let memory: WebAssembly.Memory | undefined
  let wasi: WasiSession | undefined
  let folder: FolderSnapshot | undefined
  const maxBytes = (msg.memory?.maximum ?? 0) * WASM_PAGE_BYTES
  try {
    memory = msg.memory && takeMemory(msg.memory)
    const guestMemory = new GuestMemory(memory)
    const state: GuestState = {
      memory: guestMemory,
      sink,
      input: encoder.encode(msg.inputJson),
      pending: new Uint8Array(0),
      output: undefined,
      maxValueBytes: msg.maxOutputBytes,
      callHost: (target, args) => {
        sink.beforeHostCall()
        return bridge.call(post, target, args, msg.timeoutMs)
      },
    }
    const imports = Object.create(null) as WebAssembly.Imports
    const env = envImports(state)
    if (memory) env['memory'] = memory as never
    imports['env'] = env
    imports[SANDTIER_MODULE] = sandtierImports(state)
    imports[HOST_MODULE] = hostImports(state, msg.hostImports)
    if (msg.usesWasi) {
      const session = await createWasiSession({
        module: msg.module,
        memory: guestMemory,
        sink,
        stdin: msg.stdin,
        maxFileBytes: msg.maxFileBytes,
        folder: msg.folder?.snapshot,
        env: msg.env,
      })
      wasi = session
      imports[WASI_MODULE] = session.imports
    }
    // Runs the start function: a loop there is stopped by the host's deadline like any other.
    const instance = new WebAssembly.Instance(msg.module, imports)
    wasi?.attach(instance)
    const returned = callEntry(msg, instance)
    value = state.output !== undefined ? parseOutput(state.output) : toJsonNumber(returned)
    // The text was within the cap, but its JSON may not be (control characters escape 6 to 1): the cap is
    // on the value's JSON, as on every tier. At most 6 × the cap is built to find out.
    if (value !== undefined && Buffer.byteLength(JSON.stringify(value)) > msg.maxOutputBytes)
      throw new ResultLimitReached(msg.maxOutputBytes)
  } catch (error) {
    outcome = classifyFailure(error, { bytes: memory?.buffer.byteLength ?? 0, maxBytes })
  } finally {
    // The folder is read back whatever the outcome: what a failed run wrote stays, as on a container.
    if (wasi !== undefined && msg.folder !== undefined)
      folder = collectFolder(wasi, msg.folder.maxBytes)
    wasi?.free()
  }
  try {
    sink.end()
  } catch (error) {
    // The last write ended with an incomplete character, and its U+FFFD passes the cap.
    if (outcome.status === 'ok') outcome = classifyFailure(error, { bytes: 0, maxBytes })
  }
  const diskHit = wasi?.diskLimitHit()
  if (diskHit !== undefined) outcome = diskLimitOutcome(outcome, diskHit)
  const memoryPeakBytes = memory?.buffer.byteLength ?? 0
  if (memory !== undefined && msg.memory !== undefined) recycleMemory(msg.memory, memory)
  const activeMs = performance.now() - started
  const cpu = process.cpuUsage(cpuStart)
  const rest = sink.drain()
  const reply: RunReply = {
    status: outcome.status,
    stdout: rest.stdout,
    stderr: rest.stderr,
    truncated: sink.truncated,
    exitCode: outcome.exitCode,
    // The thread's CPU time: busy time minus time blocked on host calls, never more than the process used.
    cpuMs: Math.max(0, Math.min(activeMs - bridge.waitedMs, (cpu.user + cpu.system) / 1000)),
    memoryPeakBytes,
    hostCalls: bridge.calls,
  }
  if (outcome.status === 'ok' && value !== undefined) reply.value = value
  if (outcome.error) reply.error = outcome.error
  if (folder !== undefined) reply.folder = folder
  return reply
}

// A folder that cannot be read back (wasmer failed on it) leaves the host's as it was.
function collectFolder(wasi: WasiSession, maxBytes: number): FolderSnapshot | undefined {
  try {
    return wasi.collectFolder(maxBytes)
  } catch {
    return undefined
  }
}

function exportedFunction(
  instance: WebAssembly.Instance,
  name: string,
): (...args: unknown[]) => unknown {
  const fn = Object.getOwnPropertyDescriptor(instance.exports, name)?.value as unknown
  if (typeof fn !== 'function') throw new TypeError(`export "${name}" is not a function`)
  return fn as (...args: unknown[]) => unknown
}

function callEntry(msg: RunMessage, instance: WebAssembly.Instance): unknown {
  const { entry } = msg
  switch (entry.kind) {
    case 'main':
      // main's input and value cross inside the guest (MAIN_SHIM: sandtier.input / sandtier.output, UTF-8 with a
      // length checked before the copy), not through @assemblyscript/loader's __newString / __getString: they
      // need the runtime exported (the host would run the guest's own allocator to place the input), and
      // __getString copies whatever length the guest's header claims. `fn` stays numeric for the same loader
      // reason: a wasm signature does not say which i32 is a string pointer.
      return exportedFunction(instance, '__sandtier_main')()
    case 'wasi-start':
      exportedFunction(instance, '_start')()
      return undefined
    case 'fn':
      // A WASI reactor initialises itself before its exports are called.
      if (msg.usesWasi && Object.hasOwn(instance.exports, '_initialize'))
        exportedFunction(instance, '_initialize')()
      return exportedFunction(instance, entry.name)(...entry.args)
    case 'instantiate':
      return undefined
  }
}

// `main(input: string): string` returns JSON text; text that is not JSON is the value as a string.
function parseOutput(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

function toJsonNumber(value: unknown): unknown {
  if (typeof value === 'bigint')
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString()
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (Array.isArray(value)) return value.map(toJsonNumber)
  return undefined
}
