/**
 * A QuickJS sandbox's host-side state, shared by the sandbox (quickjs-sandbox.ts) and its parts: placing
 * it in a worker (sandbox-placement.ts), a run attempt (sandbox-attempt.ts), a folder call
 * (sandbox-folder-call.ts) and a snapshot (sandbox-snapshot.ts). Internal to the tier: the sandbox holds
 * it in a private field and hands it to those parts only.
 */
import type { ResolvedConfig } from '../../config.js'
import type { NormalizedRequest, TierSnapshot } from '../tier.js'
import type { CreateRunFetch } from './active-run.js'
import type { ImageBudget } from './image-budget.js'
import { KeptState } from './snapshot-state.js'
import type { HostedSandbox, Placement, QuickJsHost } from './quickjs-host.js'

export interface QuickJsSandboxDeps {
  sid: number
  config: ResolvedConfig
  /**
   * A worker to live in, reserved for the run that asked: at the first run, and again after the worker was
   * lost. `isolated`: a sandbox whose run had its worker terminated gets a worker apart from the other
   * tenants from then on.
   */
  place: (isolated: boolean) => Promise<Placement>
  /** What the tier's sandbox images may hold together on the host. */
  imageBudget: ImageBudget
  /** Told once, when the sandbox moves to the isolation worker. */
  onIsolated: () => void
  /** Builds the host side of the guest's fetch for one run, with its usage meter. */
  createFetch: CreateRunFetch
  /** Shared with the workers: writing a run's token here interrupts it even while it runs synchronously. */
  cancelBoard: Int32Array
  /** The tier's build (TierSnapshot.build). */
  build: string
  /** A snapshot's state to start from (restore, fork) instead of a fresh one. */
  initial?: TierSnapshot
}

type StreamListener = NonNullable<NormalizedRequest['onOutput']>

export class SandboxState {
  readonly deps: QuickJsSandboxDeps
  /** The sandbox as its worker's host routes events to it (QuickJsHost.attach). */
  readonly hosted: HostedSandbox
  /** The memory image and folder copy, for a rebuild or a fork. */
  readonly kept: KeptState
  host: QuickJsHost | undefined
  /** The sandbox's runs, folder operations and snapshots, in order: the tail of the chain. */
  queue: Promise<unknown> = Promise.resolve()
  /** The worker holding the sandbox was lost: its state must be rebuilt from `kept` before the next run. */
  lost = false
  /** The kept state is a snapshot's, not yet written into a worker (CreateMessage.restore). */
  restoring: { baselineId: string } | undefined
  /** The worker freed the guest with the reply of a last run (RunContext.lastRun). */
  released = false
  /** The token of a run given up on (abandoned) whose reply has not arrived yet. */
  abandoned: number | undefined
  /** A run of this sandbox had its worker terminated: it lives apart from other tenants from then on. */
  isolated = false
  /** The folder (in the worker) holds files: a file operation must ask the worker. */
  folderInUse = false
  /** Runs asked for and not ended: a folder operation waits for them. */
  runsQueued = 0
  /** The attempt whose output goes to its request's onOutput now; output of any other token is dropped. */
  streaming: { token: number; onOutput: StreamListener; sent: boolean } | undefined

  constructor(deps: QuickJsSandboxDeps, hosted: HostedSandbox) {
    this.deps = deps
    this.hosted = hosted
    this.kept = new KeptState(deps.imageBudget)
    const initial = deps.initial
    if (initial) {
      this.kept.setMemory(initial.memory ?? 'fresh')
      this.kept.resetFolder(initial.folder)
      this.folderInUse = initial.folder.length > 0
      // Built where it is first placed, as after the loss of a worker.
      this.lost = true
      this.restoring = { baselineId: initial.baselineId }
    }
  }

  /** Runs `task` after the sandbox's runs, folder operations and snapshots asked for before it. */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task)
    this.queue = result.catch(() => undefined)
    return result
  }
}
