/**
 * Copies a stream into another while counting every byte, pacing them with the run's BandwidthThrottle and
 * stopping at a byte cap: the egress proxy's counterpart of readBody (counted while streaming, never after
 * buffering).
 */
import type { Readable, Writable } from 'node:stream'
import type { BandwidthThrottle } from './bandwidth-throttle.js'

/** Options for meteredPipe. */
export interface MeteredPipeOptions {
  throttle: BandwidthThrottle
  /** Called with each chunk's size, before it is written. */
  onBytes: (bytes: number) => void
  /** More bytes than this stop the copy; the chunk that crosses it is not written. @default Infinity */
  maxBytes?: number
  /** Called once when `maxBytes` is crossed; the caller tears the connection down. */
  onLimit?: (bytes: number) => void
  /** End `destination` when `source` ends. @default true */
  end?: boolean
}

/** A running copy; `stop()` clears its timer and listeners (the streams are left to the caller). */
export interface MeteredPipe {
  readonly bytes: number
  stop(): void
}

/**
 * Starts copying `source` into `destination`, honouring backpressure and the throttle.
 * @example meteredPipe(upstream, client, { throttle, onBytes: (n) => (meter.netBytesIn += n) })
 */
export function meteredPipe(
  source: Readable,
  destination: Writable,
  options: MeteredPipeOptions,
): MeteredPipe {
  const { throttle, onBytes, maxBytes = Number.POSITIVE_INFINITY, onLimit, end = true } = options
  let bytes = 0
  let stopped = false
  let resumeTimer: NodeJS.Timeout | undefined
  let endTimer: NodeJS.Timeout | undefined
  let throttledUntil = 0
  let waitingForDrain = false
  const resumeIfReady = (): void => {
    if (!stopped && resumeTimer === undefined && !waitingForDrain) source.resume()
  }
  const onDrain = (): void => {
    waitingForDrain = false
    resumeIfReady()
  }
  const onData = (chunk: Buffer): void => {
    if (stopped) return
    bytes += chunk.length
    if (bytes > maxBytes) {
      stop()
      onLimit?.(bytes)
      return
    }
    onBytes(chunk.length)
    if (!destination.write(chunk)) {
      waitingForDrain = true
      source.pause()
      destination.once('drain', onDrain)
    }
    const waitMs = throttle.consume(chunk.length)
    if (waitMs > 0) {
      source.pause()
      throttledUntil = performance.now() + waitMs
      // Not unref'd: a throttled transfer is work in progress; stop() clears it.
      resumeTimer = setTimeout(() => {
        resumeTimer = undefined
        resumeIfReady()
      }, waitMs)
    }
  }
  const onEnd = (): void => {
    if (stopped || !end) return
    // The last chunk may arrive with 'end' already queued: its throttle wait still applies.
    const waitMs = throttledUntil - performance.now()
    if (waitMs <= 0) destination.end()
    else endTimer = setTimeout(() => destination.end(), waitMs)
  }
  function stop(): void {
    stopped = true
    clearTimeout(resumeTimer)
    clearTimeout(endTimer)
    source.off('data', onData)
    source.off('end', onEnd)
    destination.off('drain', onDrain)
  }
  source.on('data', onData)
  source.on('end', onEnd)
  return {
    get bytes() {
      return bytes
    },
    stop,
  }
}
