/**
 * A run's output bytes, as they come, as text for `NormalizedRequest.onOutput`: one UTF-8 decoder per
 * stream, so a character split across two pieces goes out whole with the second, and the pieces of a
 * stream joined are the text the result holds (the same decoding of the same bytes).
 */
import type { NormalizedRequest, OutputStreamName } from '../config.js'

export interface OutputText {
  bytes(stream: OutputStreamName, bytes: Uint8Array): void
  /** Sends what a decoder still holds (an incomplete character at the end: U+FFFD, as in the result). */
  end(): void
}

export function outputText(onOutput: NonNullable<NormalizedRequest['onOutput']>): OutputText {
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() }
  return {
    bytes(stream, bytes) {
      onOutput(stream, decoders[stream].decode(bytes, { stream: true }))
    },
    end() {
      onOutput('stdout', decoders.stdout.decode())
      onOutput('stderr', decoders.stderr.decode())
    },
  }
}
