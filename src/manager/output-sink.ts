/**
 * Where a run's output goes as it streams: the caller's `onOutput` and the manager's 'output' event, each
 * chunk tagged with the tier of the attempt that wrote it. The tier calls it from its own event handlers
 * (a worker's message, a container's stream), so nothing a listener throws may reach them: a throwing
 * callback is dropped for the rest of the run and reported as a process warning; the run goes on.
 */
import type { OutputStreamName } from '../config.js'
import type { OutputChunk, TierId } from '../types.js'

export type OutputListener = (chunk: OutputChunk) => void

export class OutputSink {
  /** The tier of the attempt now running: the manager moves it on escalation. */
  tier: TierId
  #listeners: OutputListener[]

  constructor(tier: TierId, listeners: OutputListener[]) {
    this.tier = tier
    this.#listeners = listeners
  }

  /** For the tier: one piece of output in the guest's order. */
  readonly write = (stream: OutputStreamName, text: string): void => {
    if (text.length === 0) return
    const chunk: OutputChunk = { stream, text, tier: this.tier }
    for (const listener of this.#listeners) {
      try {
        listener(chunk)
      } catch (error) {
        this.#listeners = this.#listeners.filter((l) => l !== listener)
        process.emitWarning(
          `sandtier: an output listener threw and is not called again for this run: ${String(error)}`,
          'SandtierOutputListenerWarning',
        )
      }
    }
  }
}
