/**
 * The host side of one QuickJS run in progress: it answers the run's host calls (host functions and the
 * metered fetch) and counts them, and ends them when the run ends.
 */
import type { ResolvedConfig } from '../../config.js'
import type { ExecResult } from '../../types.js'
import { answerHostCall, type GuestFetch } from './host-calls.js'
import type { HostCallEvent } from './protocol.js'

/** Builds the host side of the guest's fetch for one run, with its usage meter. */
export type CreateRunFetch = (config: ResolvedConfig) => {
  fetch: GuestFetch
  usage: () => Partial<ExecResult['usage']>
}

export class ActiveRun {
  readonly #config: ResolvedConfig
  readonly #createFetch: CreateRunFetch
  // Made at the run's first host call: most runs make none, and building them (a NetworkPolicy, an
  // AbortSignal whose abort makes a DOMException) costs more than the run.
  #controller: AbortController | undefined
  #net: ReturnType<CreateRunFetch> | undefined
  #hostCalls = 0
  readonly #onSideEffect: (() => void) | undefined

  /** `onSideEffect`: RunContext.onSideEffect, told before the first host call is answered. */
  constructor(config: ResolvedConfig, createFetch: CreateRunFetch, onSideEffect?: () => void) {
    this.#config = config
    this.#createFetch = createFetch
    this.#onSideEffect = onSideEffect
  }

  /** Host calls the guest made in this run: none means nothing outside the sandbox saw the run. */
  get hostCalls(): number {
    return this.#hostCalls
  }

  /** Network usage of the run's fetches (empty when it made none). */
  networkUsage(): Partial<ExecResult['usage']> {
    return this.#net?.usage() ?? {}
  }

  /** Answers one host call; `reply` is not called once the run ended. */
  answer(event: HostCallEvent, reply: (replyJson: string) => void): void {
    if (this.#hostCalls === 0) this.#onSideEffect?.()
    this.#hostCalls++
    const config = this.#config
    const controller = (this.#controller ??= new AbortController())
    const context = {
      hostFunctions: config.hostFunctions,
      fetch: (request: unknown, signal: AbortSignal) =>
        (this.#net ??= this.#createFetch(config)).fetch(request, signal),
      signal: controller.signal,
    }
    void answerHostCall(event.name, event.argsJson, context).then((replyJson) => {
      if (!controller.signal.aborted) reply(replyJson)
    })
  }

  /** Aborts the host calls still in progress: their replies are dropped. */
  end(): void {
    this.#controller?.abort()
  }
}
