/**
 * Streamed output as MCP progress notifications: each chunk a notification with the chunk as its
 * message (stderr marked), progress counting chunks, so a client that sent a progressToken sees the
 * run's output while it goes. Notifications are best effort: a failed send never fails the run. The
 * result is sent only after them (`sent()`), so a client never gets the result before the output it had.
 */
import type { ServerNotification } from '@modelcontextprotocol/sdk/types.js'
import type { OutputChunk } from '../types.js'

/** Largest message one notification carries; a longer chunk is split. */
const MAX_MESSAGE_CHARS = 16 * 1024

export interface ProgressReporter {
  onOutput: (chunk: OutputChunk) => void
  /** Resolves once every notification so far was sent (or failed). */
  sent: () => Promise<void>
}

export function progressReporter(
  progressToken: string | number,
  send: (notification: ServerNotification) => Promise<void>,
): ProgressReporter {
  let progress = 0
  let last: Promise<unknown> = Promise.resolve()
  const onOutput = ({ stream, text }: OutputChunk): void => {
    for (let at = 0; at < text.length; at += MAX_MESSAGE_CHARS) {
      const piece = text.slice(at, at + MAX_MESSAGE_CHARS)
      progress++
      const notification = send({
        method: 'notifications/progress',
        params: {
          progressToken,
          progress,
          message: stream === 'stderr' ? `[stderr] ${piece}` : piece,
        },
      }).catch(() => undefined)
      last = Promise.all([last, notification])
    }
  }
  return { onOutput, sent: async () => void (await last) }
}
