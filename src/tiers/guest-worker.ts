/**
 * One worker thread that hosts guests, with request/reply messaging.
 *
 * The worker keeps the process alive only while a call is in flight, so a forgotten sandbox never holds a
 * program open, and a running guest never lets it exit.
 */
import { Worker, type ResourceLimits, type TransferListItem } from 'node:worker_threads'
import { EngineError, type SerializedError } from '../errors.js'
import { Closing } from '../lifecycle/closing.js'

/** A reply from the worker to a call. */
export interface WorkerReply {
  replyTo: number
  ok: boolean
  value?: unknown
  error?: SerializedError
}

/** Any other message from the worker (events, host calls). */
export type WorkerEvent = { type: string } & Record<string, unknown>

/** Rejection of calls in flight when the worker is terminated or dies. */
export class WorkerGoneError extends EngineError {
  override name = 'WorkerGoneError'
  constructor(
    readonly why: 'terminated' | 'exited' | 'error',
    cause?: unknown,
  ) {
    super(`guest worker ${why}`, { cause })
  }
}

export interface GuestWorkerOptions {
  script: URL
  workerData?: unknown
  resourceLimits?: ResourceLimits
}

export class GuestWorker extends Closing {
  readonly #worker: Worker
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >()
  readonly #eventListeners = new Set<(event: WorkerEvent) => void>()
  readonly #exitListeners = new Set<() => void>()
  readonly ready: Promise<void>
  #nextId = 1
  #inflight = 0
  #gone: WorkerGoneError | undefined

  constructor({ script, workerData, resourceLimits }: GuestWorkerOptions) {
    super('guest worker')
    this.#worker = new Worker(script, {
      workerData,
      resourceLimits,
      // The guest never needs the host's environment, stdio or flags (a parent's `-e` or `--input-type`
      // would break the worker's boot).
      env: {},
      execArgv: [],
      stdout: false,
      stderr: false,
    })
    this.ready = new Promise<void>((resolve, reject) => {
      const onReady = (event: WorkerEvent): void => {
        if (event.type !== 'ready') return
        this.#eventListeners.delete(onReady)
        resolve()
      }
      this.#eventListeners.add(onReady)
      this.#worker.once('exit', () => reject(this.#gone ?? new WorkerGoneError('exited')))
    })
    // A worker that dies at boot rejects `ready`; whoever awaits it handles the error.
    this.ready.catch(() => undefined)
    this.#worker.on('message', (message: WorkerReply | WorkerEvent) => this.#onMessage(message))
    this.#worker.on('error', (err) => this.#fail(new WorkerGoneError('error', err)))
    this.#worker.on('exit', () => this.#fail(new WorkerGoneError('exited')))
    // Last: adding the first 'message' listener refs the worker's port again (Node's port referencing),
    // and an idle worker must never keep the process alive.
    this.#worker.unref()
  }

  get threadId(): number {
    return this.#worker.threadId
  }

  /** True once the worker was terminated or died. */
  override get closed(): boolean {
    return super.closed || this.#gone !== undefined
  }

  /**
   * Resolves once the worker has booted, holding the process alive while someone waits for it: `ready`
   * alone holds nothing, so a spare booting in the background (nobody waiting) never keeps a script
   * running, while a script whose first call waits for a worker's boot does not exit under it.
   */
  async whenReady(): Promise<void> {
    if (this.#inflight++ === 0) this.#worker.ref()
    try {
      await this.ready
    } finally {
      if (--this.#inflight === 0 && !this.#gone) this.#worker.unref()
    }
  }

  /** Sends a request and resolves with the worker's reply value. */
  call<T>(message: object, transfer?: readonly TransferListItem[]): Promise<T> {
    if (this.#gone) return Promise.reject(this.#gone)
    const id = this.#nextId++
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      if (this.#inflight++ === 0) this.#worker.ref()
      this.#worker.postMessage({ ...message, id }, transfer)
    }).finally(() => {
      if (--this.#inflight === 0 && !this.#gone) this.#worker.unref()
    })
  }

  /** Sends a message that needs no reply. */
  post(message: object): void {
    if (!this.#gone) this.#worker.postMessage(message)
  }

  onEvent(listener: (event: WorkerEvent) => void): () => void {
    this.#eventListeners.add(listener)
    return () => this.#eventListeners.delete(listener)
  }

  onExit(listener: () => void): void {
    if (this.#gone) listener()
    else this.#exitListeners.add(listener)
  }

  /** Stops the thread at once, whatever it runs; calls in flight reject with WorkerGoneError. */
  terminate(): Promise<void> {
    return this.close()
  }

  protected async onClose(): Promise<void> {
    this.#fail(new WorkerGoneError('terminated'))
    await this.#worker.terminate()
  }

  #onMessage(message: WorkerReply | WorkerEvent): void {
    if ('replyTo' in message) {
      return this.#onReply(message as WorkerReply)
    }
    for (const listener of this.#eventListeners) listener(message)
  }

  #onReply(message: WorkerReply): void {
    {
      const pending = this.#pending.get(message.replyTo)
      if (!pending) return
      this.#pending.delete(message.replyTo)
      if (message.ok) pending.resolve(message.value)
      else pending.reject(rebuildError(message.error))
    }
  }

  #fail(error: WorkerGoneError): void {
    if (this.#gone) return
    this.#gone = error
    for (const { reject } of this.#pending.values()) reject(error)
    this.#pending.clear()
    for (const listener of this.#exitListeners) listener()
    this.#exitListeners.clear()
  }
}

function rebuildError(error: SerializedError | undefined): Error {
  const rebuilt = new EngineError(error?.message ?? 'worker call failed')
  if (error?.stack) rebuilt.stack = error.stack
  return rebuilt
}
