/**
 * One attempt of a QuickJS sandbox's run: the exec message to the sandbox's worker, its reply (or the
 * hard stop that gave up on it) turned into the run's result, and the state the host keeps updated from
 * it. A second attempt only follows the loss of the worker to another's run (worker-loss-retry.ts).
 */
import type { ExecResult, ExecStatus } from '../../types.js'
import { WorkerGoneError } from '../guest-worker.js'
import type { NormalizedRequest, RunContext } from '../tier.js'
import type { ActiveRun } from './active-run.js'
import type { ExecMessage, ExecReply } from './protocol.js'
import type { HardStop } from './hard-stop.js'
import { endedResult, replyResult, runEnd, stateLostResult } from './run-result.js'
import { mayRetryAfterWorkerLoss } from './worker-loss-retry.js'
import { reserveWorker } from './sandbox-placement.js'
import type { SandboxState } from './sandbox-state.js'

let nextToken = 1

/** What one run holds across its attempts. */
export interface RunAttempt {
  request: NormalizedRequest
  context: RunContext
  /** performance.now() when the run started. */
  started: number
  active: ActiveRun
  stop: HardStop
  /** 0 for the first attempt. */
  attempt: number
}

/** The run's result, or 'retry' when the worker was lost to another's run and the run may start again. */
export async function attemptRun(
  state: SandboxState,
  run: RunAttempt,
): Promise<ExecResult | 'retry'> {
  const { request, context, started, active, stop, attempt } = run
  const placement = await reserveWorker(state)
  if (placement === 'state lost') return stateLostResult(started)
  const { host, release } = placement
  const { config, sid } = state.deps
  const token = nextToken++
  stop.aim(host, token)
  try {
    const message: ExecMessage = {
      type: 'exec',
      sid,
      token,
      code: request.code,
      language: request.language === 'typescript' ? 'typescript' : 'javascript',
      inputJson: request.input === undefined ? undefined : JSON.stringify(request.input),
      timeoutMs: request.timeoutMs,
      // An epoch time: the worker's performance clock has its own origin.
      deadlineAt: performance.timeOrigin + runEnd(request, context, started),
      cpuTimeMs: Math.min(config.cpuTimeMs, context.cpuBudgetMs ?? Infinity),
      maxOutputBytes: config.maxOutputBytes,
    }
    if (context.lastRun) message.last = true
    if (!state.kept.folderKnown) message.folderFull = true
    if (request.onOutput) {
      message.stream = true
      state.streaming = { token, onOutput: request.onOutput, sent: false }
    }
    const call = host.worker.call<ExecReply>(message)
    context.onRunning?.()
    void call.then((late) => {
      stop.settled()
      keepLateReply(state, late, token)
    }, stop.settled)
    const reply = await Promise.race([call, stop.abandoned])
    // A reply means the worker ran the exec to its end, and so freed the guest if it was the last run;
    // an abandoned last run is freed by the worker when it reaches it. A last run that left files keeps
    // its guest for the manager's listing of out/ until close() (the worker keeps it; folder-seat.ts).
    if (context.lastRun && (typeof reply === 'string' || !reply.folderInUse)) state.released = true
    if (typeof reply === 'string') {
      // A run given up before the worker started it never starts: the state is as before. One that
      // started ends in the worker by the same limit, which resets the sandbox like any limit: fresh,
      // until its late reply (which the worker sends before the next run's) gives the exact image.
      if (stop.mayHaveStarted) {
        state.kept.setMemory('fresh')
        state.abandoned = token
      }
      return endedResult(reply, started, request.timeoutMs, active)
    }
    state.kept.setMemory(reply.image ?? undefined)
    state.folderInUse = reply.folderInUse ?? state.folderInUse
    return replyResult(reply, started, active)
  } catch (err) {
    if (!(err instanceof WorkerGoneError)) throw err
    // A run whose own limit had passed when its worker was lost (e.g. it waited behind a run stuck in a
    // built-in) timed out, whoever pulled the trigger.
    const overdue = performance.now() >= runEnd(request, context, started)
    const retry = mayRetryAfterWorkerLoss({
      attempt,
      overdue,
      wasExecuting: host.isRunning(token),
      hostCalls: active.hostCalls,
      stateKnown: state.kept.known,
    })
    // Output the caller already saw would come twice from a re-run: like a host call, it was seen outside.
    const seen = state.streaming?.token === token && state.streaming.sent
    if (stop.endedBy === undefined && retry && !seen) return 'retry'
    // Its result says the run was lost; like any run ended by a limit, the next one starts fresh (its
    // folder as the last reply left it).
    state.kept.setMemory('fresh')
    const status: ExecStatus = stop.endedBy ?? (overdue ? 'timeout' : 'crashed')
    return endedResult(status, started, request.timeoutMs, active)
  } finally {
    if (state.streaming?.token === token) state.streaming = undefined
    release()
  }
}

/** What every reply of run `token` leaves in the kept state, whether the run was given up on or not. */
function keepLateReply(state: SandboxState, late: ExecReply, token: number): void {
  // Every reply's folder changes, in the order they come (the worker answers in order).
  state.kept.applyFolder(late.folder)
  // The image a reply carries holds what the restore bound: a rebuild needs no restore any more.
  if (late.image) state.restoring = undefined
  // The worker runs a sandbox's runs in order, so a given-up run's reply still comes before the next
  // run's: its image is the state the next run starts from.
  if (state.abandoned === token) {
    state.abandoned = undefined
    state.kept.setMemory(late.image ?? undefined)
    state.folderInUse = late.folderInUse ?? state.folderInUse
  }
}
