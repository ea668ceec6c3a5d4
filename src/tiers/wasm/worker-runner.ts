/**
 * Host side of one run in a guest worker: posts the run, serves the guest's host calls, collects streamed
 * output, and enforces the deadline, the CPU budget and cancellation by terminating the worker (the only way to
 * stop synchronous wasm, including a loop in the start function).
 */
import { crashedError, stopError, workerHeapError } from '../../limits/limit-errors.js'
import type { ExecStatus, ResultError } from '../../types.js'
import { WorkerGoneError, type GuestWorker, type WorkerEvent } from '../guest-worker.js'
import { answerHostCall, ensureBridge, sendReply, type HostCallContext } from './host-calls.js'
import type { HostCallEvent, OutputEvent, RunMessage, RunReply } from './protocol.js'
import { RunWatch } from './run-watch.js'
import type { NormalizedRequest } from '../tier.js'

let nextToken = 1

export interface WorkerRunOptions {
  worker: GuestWorker
  message: Omit<RunMessage, 'type' | 'token' | 'stream'>
  /** Where output goes as the guest writes it (NormalizedRequest.onOutput); undefined: with the result only. */
  onOutput?: NormalizedRequest['onOutput']
  timeoutMs: number
  /** The wall-clock limit its timeout error names, when `timeoutMs` is what is left of it. @default timeoutMs */
  limitMs?: number
  cpuTimeMs: number
  /** Cancel the run: the caller's signal, the sandbox's close. */
  signals: readonly (AbortSignal | undefined)[]
  /** Host functions and the network context of the run (its signal is replaced by the run's own). */
  hostCalls: Omit<HostCallContext, 'signal' | 'deadline'>
}

/** The run's reply, or why the host stopped it; `workerLost` says the worker must not be reused. */
export interface WorkerRunResult {
  reply: RunReply | undefined
  stopped: ExecStatus | undefined
  error: ResultError | undefined
  stdout: string
  stderr: string
  workerLost: boolean
}

export async function runInWorker(options: WorkerRunOptions): Promise<WorkerRunResult> {
  const { worker } = options
  const bridge = await ensureBridge(worker)
  const token = nextToken++
  const { onOutput } = options
  const stdout: string[] = []
  const stderr: string[] = []
  // Made on the first host call: most runs make none.
  let hostAbort: AbortController | undefined
  let finished = false
  const watch = new RunWatch({
    timeoutMs: options.timeoutMs,
    cpuTimeMs: options.cpuTimeMs,
    signals: options.signals,
    onStop: () => {
      hostAbort?.abort()
      void worker.terminate()
    },
  })
  let context: HostCallContext | undefined
  const unsubscribe = worker.onEvent((event: WorkerEvent) => {
    if (event.type === 'output') {
      const output = event as unknown as OutputEvent
      // Another run's output (the worker serves one run at a time; this is a guard, not a path).
      if (output.token !== token) return
      for (const { stream, text } of output.pieces) {
        ;(stream === 'stderr' ? stderr : stdout).push(text)
        onOutput?.(stream, text)
      }
    } else if (event.type === 'hostCall') {
      watch.pauseCpu()
      hostAbort ??= new AbortController()
      context ??= { ...options.hostCalls, signal: hostAbort.signal, deadline: watch.deadline }
      void answerHostCall(event as unknown as HostCallEvent, context).then((reply) => {
        watch.resumeCpu()
        if (!finished) sendReply(bridge, reply)
      })
    }
  })
  try {
    const message: RunMessage = { type: 'run', ...options.message, token }
    if (onOutput) message.stream = true
    const reply = await worker.call<RunReply>(message)
    stdout.push(reply.stdout)
    stderr.push(reply.stderr)
    return {
      reply,
      stopped: undefined,
      error: undefined,
      stdout: stdout.join(''),
      stderr: stderr.join(''),
      workerLost: false,
    }
  } catch (error) {
    const reason = watch.reason
    if (reason !== undefined) {
      const limits = {
        timeoutMs: options.limitMs ?? options.timeoutMs,
        cpuTimeMs: options.cpuTimeMs,
        maxOutputBytes: options.message.maxOutputBytes,
      }
      return lost(reason, stopError(reason, limits))
    }
    if (error instanceof WorkerGoneError && isWorkerOutOfMemory(error))
      return lost('memory', workerHeapError())
    return lost('crashed', crashedError('The guest worker stopped unexpectedly'))
  } finally {
    finished = true
    watch.dispose()
    unsubscribe()
  }

  function lost(stopped: ExecStatus, error: ResultError): WorkerRunResult {
    void worker.terminate()
    return {
      reply: undefined,
      stopped,
      error,
      stdout: stdout.join(''),
      stderr: stderr.join(''),
      workerLost: true,
    }
  }
}

function isWorkerOutOfMemory(error: WorkerGoneError): boolean {
  const cause = error.cause as { code?: unknown } | undefined
  return cause?.code === 'ERR_WORKER_OUT_OF_MEMORY'
}
