/**
 * A hedged run's output: only the winner's chunks reach the caller. Before the hedge point the in-process
 * attempt streams live (it is the only attempt). From the hedge point both attempts' chunks are held until
 * the winner is known, then the winner's are sent in order and the loser's dropped; what was streamed before
 * the hedge point cannot be unsent, so a container winner's chunks follow it (as after any escalation).
 * Each attempt's output is capped by its tier (maxOutputBytes), so what is held is bounded by twice that.
 */
import type { OutputStreamName } from '../config.js'
import type { TierId } from '../types.js'
import type { OutputSink } from './output-sink.js'

type Phase = 'alone' | 'held' | 'in-process' | 'container'
type Piece = [stream: OutputStreamName, text: string]

export class HedgeOutput {
  readonly #sink: OutputSink
  #phase: Phase = 'alone'
  readonly #inProcess: Piece[] = []
  readonly #container: Piece[] = []

  constructor(sink: OutputSink) {
    this.#sink = sink
  }

  /** The in-process attempt's onOutput. */
  readonly inProcess = (stream: OutputStreamName, text: string): void => {
    if (this.#phase === 'alone' || this.#phase === 'in-process') this.#sink.write(stream, text)
    else if (this.#phase === 'held') this.#inProcess.push([stream, text])
  }

  /** The container attempt's onOutput. */
  readonly container = (stream: OutputStreamName, text: string): void => {
    if (this.#phase === 'container') this.#sink.write(stream, text)
    else if (this.#phase === 'held') this.#container.push([stream, text])
  }

  /** The hedge point: from now on both attempts' chunks wait for the winner. */
  hold(): void {
    if (this.#phase === 'alone') this.#phase = 'held'
  }

  /** The winner is known: its held chunks go out, tagged with its tier; the loser's are dropped. */
  decide(winner: 'in-process' | 'container', tier: TierId): void {
    if (this.#phase !== 'held' && this.#phase !== 'alone') return
    this.#phase = winner
    this.#sink.tier = tier
    const pieces = winner === 'in-process' ? this.#inProcess : this.#container
    for (const [stream, text] of pieces) this.#sink.write(stream, text)
    this.#inProcess.length = 0
    this.#container.length = 0
  }
}
