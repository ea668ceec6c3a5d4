/**
 * Compiled `WebAssembly.Module`s by content hash: a bounded LRU in memory (a hit costs a map lookup) in front
 * of the optional disk cache of AssemblyScript builds. Bytes from anywhere (compiler, disk, user) are
 * compiled with `WebAssembly.compile` (off the host thread's critical path) and inspected once.
 */
import { createHash } from 'node:crypto'
import { ValidationError } from '../../errors.js'
import { DiskCache } from './disk-cache.js'
import { inspectModule, type ModuleInfo } from './module-inspect.js'

export interface CompiledModule {
  key: string
  module: WebAssembly.Module
  info: ModuleInfo
}

export interface ModuleCacheOptions {
  /** Modules kept in memory. @default 128 */
  maxEntries?: number
  /** Directory of the disk cache, or false for none. */
  dir?: string | false
  /** Bytes the disk cache may hold; the least recently used entries go past it. @default 256 MiB */
  diskMaxBytes?: number
}

export interface ModuleCacheStats {
  memoryHits: number
  diskHits: number
  misses: number
}

/** SHA-256 hex digest of strings and byte arrays, fed in order. */
export function contentKey(...parts: (string | Uint8Array)[]): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part).update('\0')
  return hash.digest('hex')
}

export class ModuleCache {
  readonly #maxEntries: number
  readonly #entries = new Map<string, CompiledModule>()
  readonly #disk: DiskCache | undefined
  readonly stats: ModuleCacheStats = { memoryHits: 0, diskHits: 0, misses: 0 }

  constructor({ maxEntries = 128, dir = false, diskMaxBytes }: ModuleCacheOptions = {}) {
    this.#maxEntries = maxEntries
    this.#disk = dir === false ? undefined : new DiskCache(dir, { maxBytes: diskMaxBytes })
  }

  /** A module in memory (refreshed as most recently used), or undefined. */
  get(key: string): CompiledModule | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    this.stats.memoryHits += 1
    return entry
  }

  /** A module from memory, else from disk; counts a miss when neither has it. */
  async load(key: string): Promise<CompiledModule | undefined> {
    const cached = this.get(key)
    if (cached !== undefined) return cached
    const bytes = await this.#disk?.read(key)
    if (bytes !== undefined) {
      try {
        const entry = await this.add(key, bytes, false)
        this.stats.diskHits += 1
        return entry
      } catch {
        // Valid hash but not a module we accept (another compiler wrote it): compile afresh.
      }
    }
    this.stats.misses += 1
    return undefined
  }

  /**
   * Compiles and inspects bytes, keeps the module in memory and, when `persist`, on disk.
   * @throws ValidationError when the bytes are not a valid module.
   */
  async add(key: string, bytes: Uint8Array, persist: boolean): Promise<CompiledModule> {
    let module: WebAssembly.Module
    try {
      module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>)
    } catch (error) {
      throw new ValidationError('Invalid wasm module', [
        error instanceof Error ? error.message : String(error),
      ])
    }
    const entry: CompiledModule = { key, module, info: inspectModule(bytes) }
    this.#entries.set(key, entry)
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.#entries.delete(oldest)
    }
    if (persist) await this.#disk?.write(key, bytes)
    return entry
  }

  get size(): number {
    return this.#entries.size
  }

  clear(): void {
    this.#entries.clear()
  }
}
