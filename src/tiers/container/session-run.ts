/**
 * A container sandbox's session (SandboxConfig.session, docs/sessions.md): one live Python or Node
 * interpreter, started by the container's resident runner (images/sandbox/harness/session.py), whose globals
 * persist across execute calls. This module decides when to start it, how a run is sent to it, and when it
 * is over:
 * - started before the first execute, and again after it ended; the start runs no guest code, and under runc
 *   the host records the interpreter's pid from its own census then (session-census.ts);
 * - a run is a runner run whose argv starts with SESSION_RUN; after its normal end the sweep spares the
 *   interpreter and nothing else (a daemon the code left is killed as after a one-shot run);
 * - a limit outcome (timeout, memory, cpu, output, cancelled, crashed), a new container, or the interpreter's
 *   death (host facts under runc; the runner's exit frame under runsc) ends it: the result says
 *   `session.ended`, the next one `session.restarted`. An interpreter a limit outcome left alive (e.g. only
 *   a child was OOM-killed) is killed by the runner at the next start.
 */
import type Dockerode from 'dockerode'
import type { ResolvedConfig } from '../../config.js'
import { ConfigError } from '../../errors.js'
import type { ExecResult, Language } from '../../types.js'
import type { RunContext, RunFacts } from './container-run.js'
import type { ContainerRuntime } from './engine.js'
import type { GuestCommand } from './guest-command.js'
import type { ProcessCensus } from './process-census.js'
import type { RunnerChannel } from './runner-channel.js'
import {
  findSessionProcess,
  sessionAlive,
  sparingSession,
  type SessionProcess,
} from './session-census.js'

/** argv[0] of a runner request that starts the interpreter (its argv follows) / runs in it. */
export const SESSION_START = '@session-start'
export const SESSION_RUN = '@session'
/** How long an interpreter may take to start (node under gVisor: a few hundred ms on this VM). */
const START_TIMEOUT_MS = 10_000
/** Bytes of the interpreter's stderr kept for the error of a failed start. */
const START_ERROR_BYTES = 4096

/** The interpreter could not be started: the execute is `crashed`, the sandbox gets a new container. */
export class SessionStartFailed {
  constructor(readonly message: string) {}
}

/** The container a session run goes to, as the sandbox holds it. */
export interface SessionContainer {
  container: Dockerode.Container
  runner: RunnerChannel | undefined
}

type Attempt = (command: GuestCommand, session: RunContext['session']) => Promise<RunFacts>

/** The session interpreter for a one-shot harness command: its script's sibling in the image. */
function interpreterArgv(command: GuestCommand): string[] {
  const script = command.cmd[command.cmd.length - 1] ?? ''
  const session = script.endsWith('/run-python.py')
    ? script.replace(/run-python\.py$/, 'session.py')
    : script.replace(/run-node\.mjs$/, 'session-node.mjs')
  return [...command.cmd.slice(0, -1), session]
}

function family(language: Language | undefined): string {
  return language === 'python' ? 'python' : 'node'
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export class SessionKeeper {
  readonly #config: ResolvedConfig
  readonly #runtime: ContainerRuntime
  /** The live interpreter: its container, and under runc its host record. */
  #live: { container: Dockerode.Container; proc: SessionProcess | undefined } | undefined
  /** An interpreter was started in this sandbox before: a new one is a restart. */
  #had = false
  /** The execute in progress runs in an interpreter started for it after an earlier one ended. */
  #restarted = false

  constructor(config: ResolvedConfig, runtime: ContainerRuntime) {
    this.#config = config
    this.#runtime = runtime
  }

  /**
   * One execute in the session: starts the interpreter when none is live, then runs the command in it.
   * @throws ConfigError naming `language` for a language the session's interpreter does not run.
   */
  async run(
    current: SessionContainer,
    census: ProcessCensus | undefined,
    command: GuestCommand,
    attempt: Attempt,
  ): Promise<RunFacts | SessionStartFailed> {
    this.#restarted = false
    if (!(await this.#isLive(current.container))) {
      const failed = await this.#start(current, census, command)
      if (failed) return failed
    }
    let facts = await attempt(this.#sessionCommand(command), this.#spare(census))
    if (facts.sessionWord === 'none') {
      // The runner had no interpreter (it died between runs under runsc): the code did not run.
      this.#live = undefined
      const failed = await this.#start(current, census, command)
      if (failed) return failed
      facts = await attempt(this.#sessionCommand(command), this.#spare(census))
    }
    return facts
  }

  /** The execute's result with its `session` outcome; the interpreter is forgotten when it ended. */
  async settle(result: ExecResult, facts: RunFacts, reset: boolean): Promise<ExecResult> {
    const live = this.#live
    const died =
      facts.sessionWord !== undefined ||
      (live?.proc !== undefined && !(await sessionAlive(live.proc)))
    const ended = reset || died || (result.status !== 'ok' && result.status !== 'error')
    if (ended) this.#live = undefined
    return { ...result, session: { restarted: this.#restarted, ended } }
  }

  /** A session runs one language family: python, or node for javascript and typescript. */
  checkLanguage(language: Language): void {
    if (family(language) !== family(this.#config.language) || language === 'shell')
      throw new ConfigError(
        'language',
        `the session's language (${this.#config.language ?? 'none'})`,
        language,
      )
  }

  #sessionCommand(command: GuestCommand): GuestCommand {
    return { ...command, cmd: [SESSION_RUN, ...command.cmd] }
  }

  #spare(census: ProcessCensus | undefined): RunContext['session'] {
    const proc = this.#live?.proc
    return {
      census: census && proc ? sparingSession(census, proc) : census,
      sparePid: proc?.nsPid,
    }
  }

  async #isLive(container: Dockerode.Container): Promise<boolean> {
    const live = this.#live
    if (live?.container !== container) return false
    // Under runsc the runner says 'none' when it has no interpreter (run() starts one then).
    return live.proc === undefined || (await sessionAlive(live.proc))
  }

  async #start(
    current: SessionContainer,
    census: ProcessCensus | undefined,
    command: GuestCommand,
  ): Promise<SessionStartFailed | undefined> {
    this.#live = undefined
    const runner = current.runner
    if (!runner || runner.broken)
      return new SessionStartFailed("the sandbox's runner is not answering")
    // Without the host's census under runc, nothing could tell the interpreter from a run's leftover.
    if (this.#runtime === 'runc' && census === undefined)
      return new SessionStartFailed("sessions under runc need the host's process census")
    let stderr = Buffer.alloc(0)
    const run = runner.start(
      [SESSION_START, ...interpreterArgv(command)],
      Buffer.alloc(0),
      undefined,
      (stream, chunk) => {
        if (stream === 'stderr' && stderr.length < START_ERROR_BYTES)
          stderr = Buffer.concat([stderr, chunk]).subarray(0, START_ERROR_BYTES)
      },
    )
    const end = await within(run.ended, START_TIMEOUT_MS)
    if (end === undefined) runner.close()
    if (end?.kind !== 'end' || run.state().exitCode !== 0)
      return new SessionStartFailed(
        `the session interpreter did not start (${end?.kind === 'error' ? String(end.error) : `exit code ${String(run.state().exitCode)}`})${stderr.length ? `: ${stderr.toString('utf8')}` : ''}`,
      )
    const proc = census ? await findSessionProcess(census) : undefined
    if (census && !proc)
      return new SessionStartFailed('the session interpreter was not the only new process')
    this.#restarted = this.#had
    this.#had = true
    this.#live = { container: current.container, proc }
    return undefined
  }
}
