/**
 * One AssemblyScript compiler worker and the compile it runs. A compile is stopped by terminating the worker
 * (asc is synchronous JavaScript: nothing else interrupts it) when its own deadline passes or its signal
 * aborts; the next compile on this slot boots a fresh worker.
 */
import { GuestWorker } from '../guest-worker.js'
import { resolveWorkerScript } from '../worker-script.js'
import { ENTRY_PATH, GUEST_LIBRARY_PATH, loadAscSetup } from './asc-setup.js'
import type { CompileReply, Diagnostic } from './protocol.js'

/** Appended to sources that export `main`: the entry the worker calls, passing input() to main. */
export const MAIN_SHIM =
  "\nimport { input as __sandtier_input, output as __sandtier_output } from 'sandtier'\n" +
  'export function __sandtier_main(): void { __sandtier_output(main(__sandtier_input())) }\n'

/** How a compile ended. */
export type CompileOutcome =
  | { ok: true; binary: Uint8Array; compileMs: number; diagnostics: Diagnostic[] }
  | {
      ok: false
      reason: 'diagnostics' | 'timeout' | 'cancelled' | 'crashed'
      diagnostics: Diagnostic[]
      compileMs: number
    }

/** True when a source defines the `main(input: string): string` convention. */
export function exportsMain(source: string): boolean {
  return /\bexport\s+function\s+main\s*[(<]/.test(source)
}

/** The full source the compiler sees, and the line count of the user's part (for diagnostics). */
export function composeSource(source: string): { text: string; userLines: number } {
  const userLines = source.split('\n').length
  return { text: exportsMain(source) ? source + MAIN_SHIM : source, userLines }
}

export class CompilerSlot {
  readonly #maxHeapMb: number
  #worker: GuestWorker | undefined
  #retireTimer: NodeJS.Timeout | undefined
  /** True while a compile runs here. */
  busy = false

  constructor(maxHeapMb: number) {
    this.#maxHeapMb = maxHeapMb
  }

  /** True when the worker is up (or booting): a compile here does not pay a boot. */
  get booted(): boolean {
    return this.#worker !== undefined && !this.#worker.closed
  }

  /** Boots the worker now (it loads and warms asc in the background). */
  warm(): void {
    clearTimeout(this.#retireTimer)
    this.#workerNow()
  }

  /** Terminates the worker once it has been idle for `ms` (a compiler worker holds about 120 MiB). */
  retireWhenIdle(ms: number): void {
    clearTimeout(this.#retireTimer)
    this.#retireTimer = setTimeout(() => {
      if (!this.busy) void this.close()
    }, ms)
    this.#retireTimer.unref()
  }

  async close(): Promise<void> {
    clearTimeout(this.#retireTimer)
    const worker = this.#worker
    this.#worker = undefined
    await worker?.terminate()
  }

  /** Compiles `source` (the user's code) within `timeoutMs` of starting, unless `signal` aborts first. */
  async compile(source: string, timeoutMs: number, signal?: AbortSignal): Promise<CompileOutcome> {
    clearTimeout(this.#retireTimer)
    const started = performance.now()
    const setup = await loadAscSetup()
    const { text, userLines } = composeSource(source)
    const worker = this.#workerNow()
    let stopped: 'timeout' | 'cancelled' | undefined
    const stop = (reason: 'timeout' | 'cancelled'): void => {
      stopped ??= reason
      void worker.terminate()
    }
    const timer = setTimeout(() => stop('timeout'), timeoutMs)
    const onAbort = (): void => stop('cancelled')
    if (signal?.aborted === true) stop('cancelled')
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await worker.whenReady()
      const reply = await worker.call<CompileReply>({
        type: 'compile',
        entry: ENTRY_PATH,
        files: { [ENTRY_PATH]: text, [GUEST_LIBRARY_PATH]: setup.guestLibrary },
        argv: setup.argv,
      })
      const diagnostics = reply.diagnostics.map((d) => explainShim(d, userLines))
      if (reply.binary === undefined)
        return { ok: false, reason: 'diagnostics', diagnostics, compileMs: reply.compileMs }
      return { ok: true, binary: reply.binary, compileMs: reply.compileMs, diagnostics }
    } catch {
      return {
        ok: false,
        reason: stopped ?? 'crashed',
        diagnostics: [],
        compileMs: performance.now() - started,
      }
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  #workerNow(): GuestWorker {
    if (this.#worker === undefined || this.#worker.closed)
      this.#worker = new GuestWorker({
        script: resolveWorkerScript(import.meta.url, './compiler-worker-main.js'),
        resourceLimits: { maxOldGenerationSizeMb: this.#maxHeapMb },
      })
    return this.#worker
  }
}

// Errors inside the appended shim mean `main` has the wrong shape: say so instead of pointing at hidden lines.
function explainShim(d: Diagnostic, userLines: number): Diagnostic {
  if (d.file !== ENTRY_PATH || d.line <= userLines) return d
  return {
    ...d,
    line: 0,
    column: 0,
    message: `main must be declared as \`export function main(input: string): string\` (${d.message})`,
  }
}
