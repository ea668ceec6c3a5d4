/**
 * Worker side of synchronous host calls: the guest is synchronous wasm, the host's work (fetch, host functions)
 * is asynchronous on the main thread. The worker posts the call, blocks in `Atomics.wait` on a shared flag, and
 * takes the reply from its port with `receiveMessageOnPort` once the host raises the flag. The wait is bounded
 * by the run's time left; the host's deadline terminates the worker anyway.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import { GuestFault } from './guest-memory.js'
import type { HostCallEvent, HostCallReply } from './protocol.js'

export class SyncBridge {
  #port: MessagePort | undefined
  #counter: Int32Array | undefined
  #nextCallId = 1
  /** Time spent blocked on host replies since the last reset, in ms (not guest CPU). */
  waitedMs = 0
  calls = 0

  /** `signal` holds one Int32 the host increments after each reply it posts on `port`. */
  attach(port: MessagePort, signal: SharedArrayBuffer): void {
    this.#port = port
    this.#counter = new Int32Array(signal)
  }

  reset(): void {
    this.waitedMs = 0
    this.calls = 0
  }

  /**
   * Calls the host and blocks until it replies.
   * @throws GuestFault with the host's guest-safe error when the call failed or timed out.
   */
  call(
    post: (event: HostCallEvent) => void,
    target: string,
    args: unknown[],
    timeoutMs: number,
  ): unknown {
    const port = this.#port
    const counter = this.#counter
    if (port === undefined || counter === undefined)
      throw new GuestFault('host calls are not available')
    const callId = this.#nextCallId++
    this.calls += 1
    post({ type: 'hostCall', callId, target, args })
    const started = performance.now()
    try {
      for (;;) {
        // Read the counter before looking at the port: a reply posted after this read changes the counter,
        // so the wait below returns at once instead of missing the wake-up.
        const seen = Atomics.load(counter, 0)
        for (let r = receiveMessageOnPort(port); r !== undefined; r = receiveMessageOnPort(port)) {
          const reply = r.message as HostCallReply
          // Replies to earlier calls that timed out are dropped.
          if (reply.callId !== callId) continue
          if (reply.ok) return reply.value
          const error = new GuestFault(reply.error.message)
          error.name = reply.error.name
          throw error
        }
        const left = timeoutMs - (performance.now() - started)
        if (left <= 0) throw new GuestFault(`host call ${target} timed out`)
        Atomics.wait(counter, 0, seen, left)
      }
    } finally {
      this.waitedMs += performance.now() - started
    }
  }
}
