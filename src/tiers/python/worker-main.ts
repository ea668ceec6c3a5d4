/**
 * Entry of a Python guest worker. Builds the tier's image once (the first worker asked), restores sandboxes'
 * interpreters from it, and keeps the last few live, so a sandbox's next run on this worker needs no restore.
 * The host terminates the thread at a deadline, so nothing here interrupts a guest. Replies follow the
 * GuestWorker protocol (`replyTo`, `ok`); a kept interpreter's state goes back as transferred buffers.
 */
import { parentPort, type MessagePort, type TransferListItem } from 'node:worker_threads'
import { runRequest } from './guest-run.js'
import { Interpreter, MIN_PAGES, PAGE_BYTES } from './interpreter.js'
import { PRELUDE } from './prelude.js'
import type { AdoptMessage, ImageMessage, ImageShare, RunMessage, RunReply } from './protocol.js'
import { OutputSink } from '../wasm/output-sink.js'

/** Live interpreters one worker keeps (least recently run dropped first). */
const KEPT_INTERPRETERS = 4
/** The memory maximum of the first spare interpreter: the default memoryLimit's (64 MiB). */
const DEFAULT_MAXIMUM_PAGES = 1024
const RESEED = "__import__('_sandtier').reseed()"

interface Request {
  id: number
  type: string
}

const port = parentPort as MessagePort
let share: ImageShare | undefined
const live = new Map<number, { generation: number; interpreter: Interpreter }>()
/**
 * An interpreter restored from the image and reseeded ahead of need, for the next new sandbox with this memory
 * maximum: a run() then pays neither the restore nor the reseed. It is given to one sandbox only.
 */
let spare: { maximumPages: number; interpreter: Interpreter } | undefined
let spareTimer: NodeJS.Immediate | undefined

function prepareSpare(maximumPages: number): void {
  if (spareTimer !== undefined || spare?.maximumPages === maximumPages) return
  spareTimer = setImmediate(() => {
    spareTimer = undefined
    if (share === undefined) return
    const interpreter = Interpreter.restore(share, null, maximumPages)
    interpreter.run(RESEED)
    spare = { maximumPages, interpreter }
  })
}

/** A new sandbox's interpreter: the image's, with its own random state (not the image's). */
function freshInterpreter(maximumPages: number): Interpreter {
  if (share === undefined) throw new Error('no image adopted')
  const ready = spare?.maximumPages === maximumPages ? spare.interpreter : undefined
  if (ready !== undefined) {
    spare = undefined
    return ready
  }
  const interpreter = Interpreter.restore(share, null, maximumPages)
  interpreter.run(RESEED)
  return interpreter
}

port.on('message', (message: Request) => {
  try {
    const [value, transfer] = handle(message)
    port.postMessage({ replyTo: message.id, ok: true, value }, transfer)
  } catch (thrown) {
    const e = thrown instanceof Error ? thrown : new Error(String(thrown))
    port.postMessage({
      replyTo: message.id,
      ok: false,
      error: { name: e.name, message: e.message },
    })
  }
})

function handle(message: Request): [unknown, TransferListItem[]] {
  switch (message.type) {
    case 'image':
      return [buildImage(message as unknown as ImageMessage), []]
    case 'adopt': {
      const { module, zip, image, restorePages, nextFd } = message as unknown as AdoptMessage
      share = { module, zip, image, restorePages, nextFd }
      prepareSpare(DEFAULT_MAXIMUM_PAGES)
      return [null, []]
    }
    case 'drop':
      live.delete((message as unknown as { sandboxId: number }).sandboxId)
      return [null, []]
    case 'run':
      return run(message as unknown as RunMessage)
    default:
      throw new Error(`unknown request ${message.type}`)
  }
}

function run(message: RunMessage): [RunReply, TransferListItem[]] {
  if (share === undefined) throw new Error('no image adopted')
  let held = live.get(message.sandboxId)
  live.delete(message.sandboxId)
  if (held?.generation !== message.generation) held = undefined
  if (held === undefined && message.state === undefined) return [{ needState: true }, []]
  const interpreter =
    held?.interpreter ??
    (message.state
      ? Interpreter.restore(share, message.state, message.memoryLimitPages)
      : freshInterpreter(message.memoryLimitPages))
  const post = (pieces: unknown[]): void =>
    port.postMessage({ type: 'output', token: message.token, pieces })
  const { keepable, ...reply } = runRequest(interpreter, message, post)
  const transfer: TransferListItem[] = []
  if (keepable && message.keep) {
    const state = interpreter.state(new Uint8Array(share.image))
    reply.state = state
    transfer.push(state.pages.buffer as ArrayBuffer, state.indices.buffer as ArrayBuffer)
    live.set(message.sandboxId, { generation: message.generation + 1, interpreter })
    for (const id of live.keys()) {
      if (live.size <= KEPT_INTERPRETERS) break
      live.delete(id)
    }
  }
  prepareSpare(message.memoryLimitPages)
  return [reply, transfer]
}

/** Boots an interpreter, runs the prelude, and shares its memory as the image. */
function buildImage({ module, zip }: ImageMessage): Omit<ImageShare, 'module' | 'zip'> {
  const { interpreter, fresh } = Interpreter.boot(module, new Uint8Array(zip))
  const boot = new OutputSink(64 * 1024, () => undefined)
  interpreter.wasi.run = { sink: boot, stdin: new Uint8Array(0), stdinPosition: 0 }
  const initCode = interpreter.init()
  const preludeCode = initCode === 0 ? interpreter.run(PRELUDE) : initCode
  if (preludeCode !== 0) {
    const { stderr } = boot.drain()
    throw new Error(`python.wasm did not start (code ${preludeCode}): ${stderr.slice(-2000)}`)
  }
  interpreter.wasi.run = undefined
  const memory = new Uint8Array(interpreter.memory.buffer)
  const image = new SharedArrayBuffer(memory.byteLength)
  new Uint8Array(image).set(memory)
  const restorePages: number[] = []
  const zero = Buffer.alloc(PAGE_BYTES)
  for (let page = 0; page < memory.byteLength / PAGE_BYTES; page++) {
    const mine = Buffer.from(memory.buffer, page * PAGE_BYTES, PAGE_BYTES)
    const base = page < MIN_PAGES ? Buffer.from(fresh.buffer, page * PAGE_BYTES, PAGE_BYTES) : zero
    if (!mine.equals(base)) restorePages.push(page)
  }
  return { image, restorePages, nextFd: interpreter.wasi.files.nextFd }
}

port.postMessage({ type: 'ready' })
