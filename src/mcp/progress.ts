/**
 * Streamed output as MCP progress notifications: each chunk a notification with the chunk as its
 * message (stderr marked), progress counting chunks, so a client that sent a progressToken sees the
 * run's output while it goes. Notifications are best effort: a failed send never fails the run.
 */
import type { ServerNotification } from '@modelcontextprotocol/sdk/types.js'
import type { OutputChunk } from '../types.js'

/** Largest message one notification carries; a longer chunk is split. */
const MAX_MESSAGE_CHARS = 16 * 1024

export function progressReporter(
  progressToken: string | number,
  send: (notification: ServerNotification) => Promise<void>,
): (chunk: OutputChunk) => void {
  let progress = 0
  return ({ stream, text }) => {
    for (let at = 0; at < text.length; at += MAX_MESSAGE_CHARS) {
      const piece = text.slice(at, at + MAX_MESSAGE_CHARS)
      progress++
      send({
        method: 'notifications/progress',
        params: {
          progressToken,
          progress,
          message: stream === 'stderr' ? `[stderr] ${piece}` : piece,
        },
      }).catch(() => undefined)
    }
  }
}
