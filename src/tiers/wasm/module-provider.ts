/**
 * Turns a request into a compiled module: AssemblyScript source through the cache and the compiler, a user
 * `.wasm` through the size cap and the cache. Concurrent requests for the same source share one compile; each
 * waits for it only within its own run's deadline, and the compile is stopped once nobody waits for it.
 */
import { ValidationError } from '../../errors.js'
import { composeSource, type AscCompiler, type CompileOutcome } from './asc-compiler.js'
import { loadAscSetup } from './asc-setup.js'
import { contentKey, type CompiledModule, type ModuleCache } from './module-cache.js'
import type { Diagnostic } from './protocol.js'
import { CANCELLED, raceDeadline } from './race-deadline.js'

/**
 * Largest AssemblyScript source accepted, in UTF-16 units. Compile time grows with the source (0.5 MB took
 * 10–25 s here) and the compiler's heap with it; 1 MiB is far past any program an agent writes.
 */
export const MAX_SOURCE_CHARS = 1024 * 1024

/** A compile that did not produce a module; 'deadline' is the run's own wall-clock limit passing first. */
export interface CompileFailure {
  reason: 'diagnostics' | 'timeout' | 'deadline' | 'cancelled' | 'crashed'
  diagnostics: Diagnostic[]
  compileMs: number
}

export type ProvidedModule =
  | { ok: true; compiled: CompiledModule; cache: 'memory' | 'disk' | 'miss'; compileMs: number }
  | { ok: false; failure: CompileFailure }

export interface ModuleProviderOptions {
  cache: ModuleCache
  compiler: AscCompiler
  /** Largest module accepted, in bytes. */
  maxModuleBytes: number
}

/** How long one run waits for its AssemblyScript module. */
export interface CompileWait {
  /** The compile's own limit, from when it starts (the tier's compileTimeoutMs). */
  compileTimeoutMs: number
  /** What is left of the run's wall-clock limit: the run stops waiting then. */
  waitMs: number
  signal?: AbortSignal | undefined
}

interface Inflight {
  promise: Promise<ProvidedModule>
  waiters: number
  stop: AbortController
}

export class ModuleProvider {
  readonly #cache: ModuleCache
  readonly #compiler: AscCompiler
  readonly #maxModuleBytes: number
  readonly #inflight = new Map<string, Inflight>()

  constructor({ cache, compiler, maxModuleBytes }: ModuleProviderOptions) {
    this.#cache = cache
    this.#compiler = compiler
    this.#maxModuleBytes = maxModuleBytes
  }

  /**
   * The module of an AssemblyScript source; compile errors and deadlines come back as a failure.
   * @throws ValidationError when the source is longer than MAX_SOURCE_CHARS.
   */
  async assemblyScript(source: string, wait: CompileWait): Promise<ProvidedModule> {
    if (source.length > MAX_SOURCE_CHARS)
      throw new ValidationError('AssemblyScript source refused', [
        `source is ${source.length} characters, more than the ${MAX_SOURCE_CHARS} allowed`,
      ])
    const setup = await loadAscSetup()
    const key = contentKey(setup.fingerprint, composeSource(source).text)
    const hot = this.#cache.get(key)
    if (hot !== undefined) return { ok: true, compiled: hot, cache: 'memory', compileMs: 0 }
    let entry = this.#inflight.get(key)
    if (entry === undefined) {
      const stop = new AbortController()
      const promise = this.#loadOrCompile(key, source, wait.compileTimeoutMs, stop.signal).finally(
        () => {
          if (this.#inflight.get(key) === entry) this.#inflight.delete(key)
        },
      )
      // Nobody may be waiting when it settles (every run gave up): a failure must not go unhandled.
      promise.catch(() => undefined)
      entry = { promise, waiters: 0, stop }
      this.#inflight.set(key, entry)
    }
    const shared = entry
    shared.waiters += 1
    const got = await raceDeadline(shared.promise, wait.signal, wait.waitMs)
    shared.waiters -= 1
    if (typeof got !== 'symbol') return got
    // The last run waiting for this compile gave up: stop it, so it holds no compiler for nobody.
    if (shared.waiters === 0) {
      if (this.#inflight.get(key) === shared) this.#inflight.delete(key)
      shared.stop.abort()
    }
    const reason = got === CANCELLED ? 'cancelled' : 'deadline'
    return { ok: false, failure: { reason, diagnostics: [], compileMs: 0 } }
  }

  /**
   * The module of user bytes, compiled once per content.
   * @throws ValidationError when the module is too large or invalid.
   */
  async raw(bytes: Uint8Array): Promise<CompiledModule> {
    if (bytes.length > this.#maxModuleBytes)
      throw new ValidationError('Wasm module refused', [
        `module is ${bytes.length} bytes, more than the ${this.#maxModuleBytes} allowed`,
      ])
    const key = contentKey('raw', bytes)
    return this.#cache.get(key) ?? (await this.#cache.add(key, bytes, false))
  }

  async #loadOrCompile(
    key: string,
    source: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<ProvidedModule> {
    const stored = await this.#cache.load(key)
    if (stored !== undefined) return { ok: true, compiled: stored, cache: 'disk', compileMs: 0 }
    const outcome: CompileOutcome = await this.#compiler.compile(source, timeoutMs, signal)
    if (!outcome.ok)
      return {
        ok: false,
        failure: {
          reason: outcome.reason,
          diagnostics: outcome.diagnostics,
          compileMs: outcome.compileMs,
        },
      }
    // The same cap as a user's module: a short source must not become a huge module.
    if (outcome.binary.length > this.#maxModuleBytes)
      return { ok: false, failure: tooLarge(outcome.binary.length, this.#maxModuleBytes) }
    const compiled = await this.#cache.add(key, outcome.binary, true)
    return { ok: true, compiled, cache: 'miss', compileMs: outcome.compileMs }
  }
}

function tooLarge(bytes: number, maxBytes: number): CompileFailure {
  const message = `the compiled module is ${bytes} bytes, more than the ${maxBytes} allowed`
  return {
    reason: 'diagnostics',
    diagnostics: [{ file: '', line: 0, column: 0, message, code: 0, severity: 'error' }],
    compileMs: 0,
  }
}
