/**
 * Entry of the worker that prepares JavaScript/TypeScript for the node harness (js-source-pool.ts). Stripping
 * types and parsing take time linear in the source — seconds for megabytes — and would stall every other
 * sandbox's timers on the host thread; here they run under the run's deadline (the host terminates this
 * worker when it passes).
 */
import { parentPort, type MessagePort } from 'node:worker_threads'
import { prepareJavaScript, type PreparedJavaScript } from './js-source.js'

const port = parentPort as MessagePort

/** The reply to one preparation. */
export type PrepareReply =
  { ok: true; source: PreparedJavaScript } | { ok: false; reason: 'syntax'; message: string }

interface PrepareMessage {
  id: number
  code: string
  language: 'javascript' | 'typescript'
}

port.on('message', (message: PrepareMessage) => {
  let value: PrepareReply
  try {
    value = { ok: true, source: prepareJavaScript(message.code, message.language) }
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error)
    value = { ok: false, reason: 'syntax', message: text.slice(0, 4096) }
  }
  port.postMessage({ replyTo: message.id, ok: true, value })
})

port.postMessage({ type: 'ready' })
