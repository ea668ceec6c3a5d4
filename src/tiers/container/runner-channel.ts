/**
 * The host's end of a container's resident runner (images/sandbox/harness/runner.py): one hijacked attach of
 * the container's stdin/stdout, carrying the runner's frames (1 type byte, 4-byte big-endian length, payload).
 *
 * The runner is guest code: every frame is checked before it is used (known type, payload at most
 * MAX_PAYLOAD_BYTES, nothing but output before a run's exit frame, an exit frame of a few bytes with an
 * integer code). Anything else breaks the channel: the run in progress ends and the sandbox gets a new
 * container (the host cannot tell what else the guest did to the runner).
 *
 * Under runsc a run can open the runner's stdout through /proc/<pid>/fd/1 (gVisor 20221219 ignores the
 * runner's dumpability there) and write frames of its own, e.g. an exit frame that would end its run early
 * and shift the runner's real frames onto the next run. So a run with an end nonce (runsc) accepts its exit
 * frame only right after the stderr frame that carries the nonce's end line, which the runner writes once
 * nothing of the run is alive (and which the run cannot know): any other exit frame breaks the channel. The
 * runner is trusted for nothing but the run's output, which is counted against the output caps like any
 * guest output, and its exit code.
 */
import type { Duplex } from 'node:stream'
import type Dockerode from 'dockerode'
import { engineCall } from './engine-call.js'
import type { ExecState, StreamEnd } from './exec-stream.js'
import { FrameDemuxer, type OutputStream } from './frame-demuxer.js'
import {
  FrameReader,
  MAX_END_LINE_BYTES,
  MAX_STRAY_BYTES,
  frame,
  maxPayloadBytes,
  parseExit,
  type RunExit,
  type SessionWord,
} from './runner-frames.js'

/** How long the runner may take to answer the hello of a freshly attached container. */
const HELLO_TIMEOUT_MS = 10_000
/** How long the runner may take to end its spare (a SIGKILL and a wait) before the channel is dropped. */
const DROP_TIMEOUT_MS = 5_000

/** A run in progress on the runner; the same shape runInContainer uses for an exec. */
export interface RunnerRun {
  /** Settles (never rejects) when the run's exit frame came, or the channel broke. */
  readonly ended: Promise<StreamEnd>
  /** The exit code, once ended; running while not. */
  state(): ExecState
  /** Stops reading the channel (the runner blocks on its next write, and the run on its pipes). */
  pause(): void
  /** Reads on, dropping the rest of this run's output until its exit frame. */
  drain(): void
  /** The exit frame's session word (SessionWord), once ended. */
  session(): SessionWord
  /** The exit frame's out/ hint (RunExit.outputWritten), once ended. */
  outputWritten(): boolean | undefined
}

type Handler = (stream: OutputStream, chunk: Buffer) => void

export class RunnerChannel {
  readonly #stream: Duplex
  readonly #reader = new FrameReader({
    begin: (type, length) => this.#begin(type, length),
    part: (bytes) => this.#payloadIn(bytes),
    end: () => this.#complete(),
  })
  #type = ''
  #payload: Buffer[] = []
  #stray = 0
  #broken: Error | undefined
  #hello: ((ok: boolean) => void) | undefined
  /** The argv the runner was asked to keep a spare for (runner.py's `s`), until a run or a drop ends it. */
  #spare: readonly string[] | undefined
  /** Waits for the runner's `p`: its spare is gone. */
  #dropped: ((ok: boolean) => void) | undefined
  #run:
    | {
        onOutput: Handler
        end: (e: StreamEnd) => void
        /** The exit frame, once it came (checked by parseExit). */
        exit: RunExit | undefined
        drop: boolean
        /** `\0sandtier-end:<nonce>\n` when the run has an end nonce: its exit frame must follow it. */
        endLine: Buffer | undefined
      }
    | undefined
  /** The payload of the last stderr frame, when it was short enough to be an end line; else undefined. */
  #lastErr: Buffer[] | undefined

  private constructor(stream: Duplex) {
    this.#stream = stream
    const demuxer = new FrameDemuxer((stream, chunk) => this.#input(stream, chunk))
    stream.on('data', (chunk: Buffer) => {
      try {
        demuxer.push(chunk)
      } catch (error) {
        this.#break(error as Error)
      }
    })
    stream.once('end', () => this.#break(new Error("the runner's stream ended")))
    stream.once('close', () => this.#break(new Error("the runner's stream closed")))
    stream.once('error', (error) => this.#break(error))
  }

  /**
   * Attaches to a started container whose main command is the runner, and checks that it answers.
   * @throws EngineError when the attach fails; Error when the runner does not answer its hello.
   */
  static async open(container: Dockerode.Container): Promise<RunnerChannel> {
    const stream = (await engineCall<unknown>('attach container', () =>
      container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }),
    )) as Duplex
    const channel = new RunnerChannel(stream)
    const answered = new Promise<boolean>((resolve) => (channel.#hello = resolve))
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), HELLO_TIMEOUT_MS)
    })
    stream.write(frame('h', Buffer.alloc(0)))
    const ok = await Promise.race([answered, timeout]).finally(() => clearTimeout(timer))
    if (!ok) {
      channel.close()
      throw new Error('the sandbox runner did not answer')
    }
    return channel
  }

  /** True once a bad frame, a stream end or an error broke the channel. */
  get broken(): boolean {
    return this.#broken !== undefined
  }

  /** False once a bad frame, a stream end or an error broke the channel: it is never used again. */
  get usable(): boolean {
    return this.#broken === undefined && this.#run === undefined
  }

  /**
   * Starts a run: `argv` (the harness command), with `stdin` (the framed request and the guest's stdin) on
   * its stdin; `endNonce` asks the runner to end the run whole and vouch for it (runsc, see runner.py).
   */
  start(argv: string[], stdin: Buffer, endNonce: string | undefined, onOutput: Handler): RunnerRun {
    let end!: (e: StreamEnd) => void
    const ended = new Promise<StreamEnd>((resolve) => (end = resolve))
    const run = {
      onOutput,
      end,
      exit: undefined as RunExit | undefined,
      drop: false,
      endLine: endNonce === undefined ? undefined : Buffer.from(`\0sandtier-end:${endNonce}\n`),
    }
    // The runner hands its spare to this run when the argv matches, else ends it first.
    this.#spare = undefined
    if (this.#broken) {
      end({ kind: 'error', error: this.#broken })
    } else {
      this.#run = run
      const header = Buffer.from(`${JSON.stringify({ argv })}\n`)
      // One write for both frames: the runner reads both before it forks the run (see runner.py).
      this.#stream.write(
        Buffer.concat([
          frame('q', Buffer.concat([header, stdin])),
          frame('n', Buffer.from(endNonce ?? '')),
        ]),
        () => undefined,
      )
    }
    return {
      ended,
      state: () => ({ running: false, exitCode: run.exit?.code ?? null }),
      pause: () => this.#stream.pause(),
      drain: () => {
        run.drop = true
        this.#stream.resume()
      },
      session: () => run.exit?.session,
      outputWritten: () => run.exit?.outputWritten,
    }
  }

  /**
   * Asks the runner for a spare (spare.py): a process started as a run of `argv` would be, waiting for its
   * request, which the next run of that argv becomes. Only once nothing of the last run is left (verified by
   * the host's census, or the runsc end line): a spare never shares the sandbox with guest code but its own.
   */
  startSpare(argv: readonly string[]): void {
    if (this.#broken || this.#run || this.#dropped) return
    this.#spare = [...argv]
    this.#stream.write(frame('s', Buffer.from(`${JSON.stringify({ argv })}\n`)), () => undefined)
  }

  /** True when the runner was asked for a spare for exactly this argv, and nothing has ended it since. */
  hasSpare(argv: readonly string[]): boolean {
    const spare = this.#spare
    return (
      spare !== undefined && spare.length === argv.length && spare.every((a, i) => a === argv[i])
    )
  }

  /**
   * Ends the spare, if any, and resolves once the runner says it is gone: true, or false when the channel
   * broke (a runner that does not answer within DROP_TIMEOUT_MS breaks it).
   */
  async dropSpare(): Promise<boolean> {
    if (this.#spare === undefined || this.#broken) return !this.#broken
    this.#spare = undefined
    const answered = new Promise<boolean>((resolve) => (this.#dropped = resolve))
    const timer = setTimeout(
      () => this.#break(new Error('the runner did not end its spare')),
      DROP_TIMEOUT_MS,
    )
    this.#stream.write(frame('d', Buffer.alloc(0)), () => undefined)
    return await answered.finally(() => clearTimeout(timer))
  }

  /** Lets go of the attach (the container is being removed). */
  close(): void {
    this.#break(new Error('the runner channel was closed'))
  }

  #break(error: Error): void {
    if (this.#broken) return
    this.#broken = error
    this.#reader.stop()
    this.#hello?.(false)
    this.#dropped?.(false)
    this.#dropped = undefined
    this.#run?.end({ kind: 'error', error })
    this.#run = undefined
    this.#stream.destroy()
  }

  #input(stream: OutputStream, chunk: Buffer): void {
    if (this.#broken) return
    if (stream === 'stderr') {
      // The runner writes nothing there; a guest that got hold of its stderr only gets the channel dropped.
      this.#stray += chunk.length
      if (this.#stray > MAX_STRAY_BYTES) this.#break(new Error('the runner wrote to its stderr'))
      return
    }
    this.#reader.push(chunk)
  }

  // A frame's header: its type must be one the channel waits for, its length within that type's cap.
  #begin(type: string, length: number): boolean {
    if (!this.#expects(type) || length > maxPayloadBytes(type)) {
      this.#break(new Error(`the runner sent a bad frame (${JSON.stringify(type)})`))
      return false
    }
    this.#type = type
    if (type === 'o' || type === 'e')
      this.#lastErr = type === 'e' && length <= MAX_END_LINE_BYTES ? [] : undefined
    return true
  }

  #expects(type: string): boolean {
    if (this.#hello) return type === 'r'
    if (this.#dropped) return type === 'p'
    return this.#run !== undefined && (type === 'o' || type === 'e' || type === 'x')
  }

  #payloadIn(part: Buffer): void {
    const run = this.#run
    // Output goes on as it comes; only the exit frame is kept whole (it is at most MAX_EXIT_BYTES).
    if ((this.#type === 'o' || this.#type === 'e') && run) {
      this.#lastErr?.push(Buffer.from(part))
      if (!run.drop && part.length > 0)
        run.onOutput(this.#type === 'o' ? 'stdout' : 'stderr', Buffer.from(part))
      return
    }
    this.#payload.push(Buffer.from(part))
  }

  #complete(): void {
    const type = this.#type
    const payload = Buffer.concat(this.#payload)
    this.#type = ''
    this.#payload = []
    if (type === 'r') {
      const hello = this.#hello
      this.#hello = undefined
      return hello?.(true)
    }
    if (type === 'p') {
      const dropped = this.#dropped
      this.#dropped = undefined
      return dropped?.(true)
    }
    if (type !== 'x') return
    const exit = parseExit(payload)
    if (exit === undefined) return this.#break(new Error('the runner sent a bad exit frame'))
    const endLine = this.#run?.endLine
    if (endLine && !(this.#lastErr && Buffer.concat(this.#lastErr).equals(endLine)))
      return this.#break(new Error('an exit frame came without the run end line'))
    const run = this.#run
    this.#run = undefined
    if (run) {
      run.exit = exit
      run.end({ kind: 'end' })
    }
  }
}
