/**
 * Prepares JavaScript/TypeScript for containers off the host's main thread (js-source-worker-main.ts), under
 * the run's deadline and signal: a preparation that outlives them terminates its worker and ends the run as
 * 'timeout' or 'cancelled' before anything starts in the container. Up to MAX_WORKERS preparations run at
 * once (one per core here), so one tenant's megabytes do not queue every other tenant behind them; the rest
 * wait, and their wait counts against their own deadline. Idle workers stay for the next request and never
 * keep the process alive; they end when the last container tier that holds the pool closes (holdSourcePool).
 */
import { GuestWorker } from '../guest-worker.js'
import { resolveWorkerScript } from '../worker-script.js'
import type { PreparedJavaScript } from './js-source.js'
import type { PrepareReply } from './js-source-worker-main.js'

/** Preparations at once. */
export const MAX_WORKERS = 2
/**
 * Heap of a preparation worker. Sucrase and acorn need up to ~100× the source in heap (measured: 1 MiB of
 * token-dense TypeScript fails in 64 MiB, passes in 128 MiB), so this holds the default maxSourceBytes (1 MiB)
 * with room, and up to ~4 MiB raised; past that a preparation ends as an ERR_RESOURCE_EXCEEDED error.
 */
export const WORKER_HEAP_MB = 512

export type PrepareOutcome =
  | { ok: true; source: PreparedJavaScript }
  | { ok: false; reason: 'syntax' | 'resources'; message: string }
  | { ok: false; reason: 'timeout' | 'cancelled' }

interface Bounds {
  timeoutMs: number
  signal: AbortSignal | undefined
}

const idle: GuestWorker[] = []
let busy = 0
const waiting: (() => void)[] = []
/** Container tiers open (holdSourcePool): at 0, no worker is kept idle. */
let holders = 0

/**
 * Holds the pool for a container tier: its idle workers are kept while any holder is open. The returned
 * release (idempotent) ends the idle workers once the last holder released; a preparation still running
 * then ends its worker when it finishes.
 */
export function holdSourcePool(): () => void {
  holders++
  let held = true
  return () => {
    if (!held) return
    held = false
    if (--holders === 0) for (const worker of idle.splice(0)) void worker.terminate()
  }
}

function newWorker(): GuestWorker {
  return new GuestWorker({
    script: resolveWorkerScript(import.meta.url, './js-source-worker-main.js'),
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  })
}

// A worker for one preparation: an idle one, a new one below MAX_WORKERS, or the next one released.
async function acquire(stopped: Promise<void>): Promise<GuestWorker | undefined> {
  while (busy >= MAX_WORKERS) {
    let wake!: () => void
    const turn = new Promise<void>((resolve) => (wake = resolve))
    waiting.push(wake)
    const first = await Promise.race([
      turn.then(() => 'turn' as const),
      stopped.then(() => 'stop' as const),
    ])
    if (first === 'stop') {
      const at = waiting.indexOf(wake)
      if (at >= 0) waiting.splice(at, 1)
      else waiting.shift()?.()
      return undefined
    }
  }
  busy++
  let worker = idle.pop()
  while (worker?.closed) worker = idle.pop()
  return worker ?? newWorker()
}

function release(worker: GuestWorker | undefined): void {
  busy--
  if (worker && !worker.closed) {
    if (holders > 0) idle.push(worker)
    else void worker.terminate()
  }
  waiting.shift()?.()
}

/** Prepares a request's source in a worker; see PrepareOutcome. Never rejects. */
export async function prepareOffThread(
  code: string,
  language: 'javascript' | 'typescript',
  { timeoutMs, signal }: Bounds,
): Promise<PrepareOutcome> {
  let reason: 'timeout' | 'cancelled' | undefined
  let stop!: () => void
  const stopped = new Promise<void>((resolve) => (stop = resolve))
  let worker: GuestWorker | undefined
  const end = (why: 'timeout' | 'cancelled'): void => {
    reason ??= why
    stop()
    void worker?.terminate()
  }
  const timer = setTimeout(() => end('timeout'), timeoutMs)
  const onAbort = (): void => end('cancelled')
  signal?.addEventListener('abort', onAbort, { once: true })
  if (signal?.aborted) onAbort()
  try {
    if (reason) return { ok: false, reason }
    worker = await acquire(stopped)
    if (!worker || reason) {
      if (worker) release(worker)
      worker = undefined
      return { ok: false, reason: reason ?? 'cancelled' }
    }
    try {
      await worker.whenReady()
      const reply = await worker.call<PrepareReply>({ code, language })
      return reply
    } catch {
      if (reason) return { ok: false, reason }
      // The worker died under the source: its heap limit (a source that needs more than WORKER_HEAP_MB).
      return {
        ok: false,
        reason: 'resources',
        message: `Preparing the source needed more than the ${WORKER_HEAP_MB} MiB it may use`,
      }
    } finally {
      release(worker)
    }
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
}
