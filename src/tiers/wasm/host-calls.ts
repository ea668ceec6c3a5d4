/**
 * Host side of a run's synchronous host calls. The worker blocks while the host does the work here (fetch
 * through the policy, the sandbox's hostFunctions) and wakes it with the reply. Errors reach the guest only as
 * fixed, guest-safe texts: a host function's own message (paths, secrets) never crosses.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import type { HostFunction } from '../../config.js'
import { isSandboxError } from '../../errors.js'
import type { GuestWorker } from '../guest-worker.js'
import { GuestFetchError, performGuestFetch, type GuestFetchContext } from './host-fetch.js'
import type { HostCallEvent, HostCallReply } from './protocol.js'

interface Bridge {
  port: MessagePort
  counter: Int32Array
}

const bridges = new WeakMap<GuestWorker, Promise<Bridge>>()

/** The reply channel of a worker, set up on its first run. */
export function ensureBridge(worker: GuestWorker): Promise<Bridge> {
  let bridge = bridges.get(worker)
  if (bridge === undefined) {
    const { port1, port2 } = new MessageChannel()
    const signal = new SharedArrayBuffer(4)
    bridge = worker
      .call({ type: 'bridge', port: port2, signal }, [port2])
      .then(() => ({ port: port1, counter: new Int32Array(signal) }))
    bridges.set(worker, bridge)
  }
  return bridge
}

/** Posts the reply, then bumps the counter the worker waits on (order matters: see SyncBridge). */
export function sendReply(bridge: Bridge, reply: HostCallReply): void {
  bridge.port.postMessage(reply)
  Atomics.add(bridge.counter, 0, 1)
  Atomics.notify(bridge.counter, 0)
}

export interface HostCallContext extends GuestFetchContext {
  hostFunctions: Record<string, HostFunction>
}

/** Performs one host call and builds its reply; never rejects. */
export async function answerHostCall(
  event: HostCallEvent,
  ctx: HostCallContext,
): Promise<HostCallReply> {
  const { callId, target, args } = event
  try {
    if (target === 'fetch')
      return { callId, ok: true, value: await performGuestFetch(args[0], ctx) }
    if (target.startsWith('json:')) {
      const fn = hostFunction(ctx, target.slice(5))
      const parsed = parseArgs(args[0])
      const result = await fn(...(Array.isArray(parsed) ? (parsed as unknown[]) : [parsed]))
      return { callId, ok: true, value: JSON.stringify(result ?? null) }
    }
    if (target.startsWith('host:')) {
      const result = await hostFunction(ctx, target.slice(5))(...args)
      if (typeof result !== 'number' && typeof result !== 'bigint')
        return failure(
          callId,
          'TypeError',
          `host function "${target.slice(5)}" did not return a number`,
        )
      return { callId, ok: true, value: result }
    }
    return failure(callId, 'TypeError', 'unknown host call')
  } catch (error) {
    if (error instanceof GuestFetchError)
      return failure(callId, error.name, error.message, error.code)
    if (error instanceof BadHostCall) return failure(callId, 'TypeError', error.message)
    const code = isSandboxError(error) ? error.code : undefined
    return failure(
      callId,
      'HostFunctionError',
      `host function "${target.replace(/^\w+:/, '')}" failed`,
      code,
    )
  }
}

/** A host call the guest got wrong: its message is ours, safe to show. */
class BadHostCall extends Error {}

function parseArgs(json: unknown): unknown {
  try {
    return JSON.parse(typeof json === 'string' ? json : '[]') as unknown
  } catch {
    throw new BadHostCall('host call arguments are not valid JSON')
  }
}

function hostFunction(ctx: HostCallContext, name: string): HostFunction {
  const fn = Object.hasOwn(ctx.hostFunctions, name) ? ctx.hostFunctions[name] : undefined
  if (typeof fn !== 'function') throw new BadHostCall(`no host function "${name}"`)
  return fn
}

function failure(callId: number, name: string, message: string, code?: string): HostCallReply {
  return { callId, ok: false, error: { name, message, code } }
}
