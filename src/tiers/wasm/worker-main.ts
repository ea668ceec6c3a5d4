/**
 * Entry of a wasm guest worker. Runs one module at a time; the host terminates the thread at the deadline, so
 * nothing here needs to interrupt a guest. Replies follow the GuestWorker protocol (`replyTo`, `ok`).
 */
import { parentPort, type MessagePort } from 'node:worker_threads'
import { runGuest } from './guest-run.js'
import type { HostCallEvent, OutputEvent, RunMessage } from './protocol.js'
import { SyncBridge } from './sync-bridge.js'

interface Request {
  id: number
  type: string
}

const port = parentPort as MessagePort
const bridge = new SyncBridge()
const post = (event: OutputEvent | HostCallEvent): void => port.postMessage(event)

port.on('message', (message: Request) => {
  void handle(message).then(
    (value) => port.postMessage({ replyTo: message.id, ok: true, value }),
    (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error))
      port.postMessage({
        replyTo: message.id,
        ok: false,
        error: { name: e.name, message: e.message },
      })
    },
  )
})

async function handle(message: Request): Promise<unknown> {
  switch (message.type) {
    case 'bridge': {
      const { port: replies, signal } = message as unknown as {
        port: MessagePort
        signal: SharedArrayBuffer
      }
      bridge.attach(replies, signal)
      return null
    }
    case 'run':
      return runGuest(message as unknown as RunMessage, bridge, post)
    default:
      throw new Error(`unknown request ${message.type}`)
  }
}

port.postMessage({ type: 'ready' })
