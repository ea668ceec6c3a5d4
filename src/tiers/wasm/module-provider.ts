/**
 * Turns a request into a compiled module: AssemblyScript source through the cache and the compiler, a user
 * `.wasm` through the size cap and the cache. Concurrent requests for the same source share one compile.
 */
import { ValidationError } from '../../errors.js'
import { composeSource, type AscCompiler, type CompileOutcome } from './asc-compiler.js'
import { loadAscSetup } from './asc-setup.js'
import { contentKey, type CompiledModule, type ModuleCache } from './module-cache.js'
import type { Diagnostic } from './protocol.js'

/** A compile that did not produce a module. */
export interface CompileFailure {
  reason: 'diagnostics' | 'timeout' | 'cancelled' | 'crashed'
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

export class ModuleProvider {
  readonly #cache: ModuleCache
  readonly #compiler: AscCompiler
  readonly #maxModuleBytes: number
  readonly #inflight = new Map<string, Promise<ProvidedModule>>()

  constructor({ cache, compiler, maxModuleBytes }: ModuleProviderOptions) {
    this.#cache = cache
    this.#compiler = compiler
    this.#maxModuleBytes = maxModuleBytes
  }

  /** The module of an AssemblyScript source; compile errors come back as a failure, not a throw. */
  async assemblyScript(
    source: string,
    compileTimeoutMs: number,
    signal?: AbortSignal,
  ): Promise<ProvidedModule> {
    const setup = await loadAscSetup()
    const key = contentKey(setup.fingerprint, composeSource(source).text)
    const hot = this.#cache.get(key)
    if (hot !== undefined) return { ok: true, compiled: hot, cache: 'memory', compileMs: 0 }
    let pending = this.#inflight.get(key)
    if (pending === undefined) {
      pending = this.#loadOrCompile(key, source, compileTimeoutMs, signal).finally(() =>
        this.#inflight.delete(key),
      )
      this.#inflight.set(key, pending)
    }
    return pending
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
    const compiled = await this.#cache.add(key, outcome.binary, true)
    return { ok: true, compiled, cache: 'miss', compileMs: outcome.compileMs }
  }
}
