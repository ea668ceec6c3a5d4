/**
 * Compiled AssemblyScript modules on disk, so a new process skips the compiler. Each file holds a magic, the
 * SHA-256 of the wasm bytes and the bytes; a file whose hash does not match is ignored and replaced. The
 * directory must be ours and not writable by others, else the disk cache is not used: a poisoned entry would
 * still only run inside the sandbox, but it would run instead of the user's code.
 *
 * Bounded: an agent service compiles a new program for nearly every request, so an unbounded cache fills the
 * disk. Past `maxBytes` the least recently used files go (a read refreshes a file's mtime) until the cache is
 * at 80 % of it; other processes sharing the directory are seen at the next scan.
 */
import { MiB } from '../../config.js'
import { createHash, randomBytes } from 'node:crypto'
import {
  chmod,
  mkdir,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { join } from 'node:path'

const MAGIC = Buffer.from('STWASM01')
const HASH_BYTES = 32
/** Files larger than this are not read (the module size cap is far below). */
const MAX_FILE_BYTES = 64 * MiB
/** What a pass of eviction brings the cache down to, as a share of maxBytes (so not every write scans). */
const EVICT_TO = 0.8
const ENTRY = /^[0-9a-f]{64}\.wasm$/

export interface DiskCacheOptions {
  /** Bytes the cache may hold on disk. @default 256 MiB */
  maxBytes?: number
}

export class DiskCache {
  readonly dir: string
  readonly maxBytes: number
  #usable: Promise<boolean> | undefined
  /** Bytes on disk as of the last scan plus what this process wrote since; undefined before the first scan. */
  #estimate: number | undefined
  #evicting: Promise<void> | undefined

  constructor(dir: string, { maxBytes = 256 * MiB }: DiskCacheOptions = {}) {
    this.dir = dir
    this.maxBytes = maxBytes
  }

  /** The cached bytes for `key`, or undefined (missing, corrupt or unsafe directory). */
  async read(key: string): Promise<Uint8Array | undefined> {
    const file = this.#file(key)
    if (file === undefined || !(await this.#isUsable())) return undefined
    try {
      const info = await stat(file)
      const uid = process.getuid?.()
      if (!info.isFile() || info.size > MAX_FILE_BYTES || (uid !== undefined && info.uid !== uid))
        return undefined
      const content = await readFile(file)
      const bytes = decode(content)
      if (bytes === undefined) await unlink(file).catch(() => undefined)
      else {
        // Recently used: eviction goes by mtime. Best effort (the entry is valid either way).
        const now = new Date()
        await utimes(file, now, now).catch(() => undefined)
      }
      return bytes
    } catch {
      return undefined
    }
  }

  /** Stores bytes for `key` atomically (temp file + rename); failures are ignored (the cache is optional). */
  async write(key: string, bytes: Uint8Array): Promise<void> {
    const file = this.#file(key)
    if (file === undefined || !(await this.#isUsable())) return
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`
    try {
      const content = encode(bytes)
      await writeFile(temp, content, { mode: 0o600, flag: 'wx' })
      await rename(temp, file)
      if (this.#estimate !== undefined) this.#estimate += content.length
    } catch {
      await unlink(temp).catch(() => undefined)
      return
    }
    if (this.#estimate === undefined || this.#estimate > this.maxBytes) await this.#evict()
  }

  /** Scans the directory and, past maxBytes, removes the least recently used entries down to 80 % of it. */
  #evict(): Promise<void> {
    this.#evicting ??= (async () => {
      const entries: { file: string; size: number; used: number }[] = []
      for (const name of await readdir(this.dir).catch(() => [])) {
        if (!ENTRY.test(name)) continue
        const file = join(this.dir, name)
        const info = await stat(file).catch(() => undefined)
        if (info?.isFile()) entries.push({ file, size: info.size, used: info.mtimeMs })
      }
      let total = entries.reduce((sum, e) => sum + e.size, 0)
      if (total > this.maxBytes) {
        entries.sort((a, b) => a.used - b.used)
        for (const entry of entries) {
          if (total <= this.maxBytes * EVICT_TO) break
          await unlink(entry.file).catch(() => undefined)
          total -= entry.size
        }
      }
      this.#estimate = total
    })().finally(() => {
      this.#evicting = undefined
    })
    return this.#evicting
  }

  // Keys are SHA-256 hex digests; anything else never becomes a path.
  #file(key: string): string | undefined {
    return /^[0-9a-f]{64}$/.test(key) ? join(this.dir, `${key}.wasm`) : undefined
  }

  #isUsable(): Promise<boolean> {
    this.#usable ??= (async () => {
      try {
        await mkdir(this.dir, { recursive: true, mode: 0o700 })
        const info = await stat(this.dir)
        const uid = process.getuid?.()
        if (uid !== undefined && info.uid !== uid) return false
        if ((info.mode & 0o022) !== 0) await chmod(this.dir, info.mode & ~0o022)
        return info.isDirectory()
      } catch {
        return false
      }
    })()
    return this.#usable
  }
}

function encode(bytes: Uint8Array): Buffer {
  const hash = createHash('sha256').update(bytes).digest()
  return Buffer.concat([MAGIC, hash, bytes])
}

function decode(content: Buffer): Uint8Array | undefined {
  if (
    content.length < MAGIC.length + HASH_BYTES ||
    !content.subarray(0, MAGIC.length).equals(MAGIC)
  )
    return undefined
  const hash = content.subarray(MAGIC.length, MAGIC.length + HASH_BYTES)
  const bytes = content.subarray(MAGIC.length + HASH_BYTES)
  if (!createHash('sha256').update(bytes).digest().equals(hash)) return undefined
  return new Uint8Array(bytes)
}
