/**
 * The bytes of a snapshot (issue 19): a tier's state (TierSnapshot) signed with the manager's key.
 *
 *   magic 'SANDTSNP' (8) · format version u16 · key id (8) · total length u64 · header length u32
 *   header (JSON, UTF-8) · body (deflated: memory pages u32 LE, memory bytes, folder data) · HMAC-SHA256 (32)
 *
 * The header names the sandtier version and the tier's build (for quickjs: the library version, the wasm's
 * hash, and the ready image the memory was taken against), the memory limit, the memory image's shape and
 * the folder's entries. The HMAC covers everything before it; nothing is parsed or inflated before it is
 * checked, so only bytes made with the key (this manager's, or one given to several) are ever read. The
 * key id (an HMAC of a fixed text) tells a snapshot signed with another key from an edited one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createRequire } from 'node:module'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { SnapshotError } from '../errors.js'
import type { FolderImageEntry, MemoryImage, TierSnapshot } from '../tiers/tier.js'

const MAGIC = Buffer.from('SANDTSNP', 'latin1')
export const SNAPSHOT_FORMAT_VERSION = 1
const FIXED_BYTES = 8 + 2 + 8 + 8 + 4
const MAC_BYTES = 32
/** Longest header a snapshot may have: a folder's entries are bounded by diskSpace, well under this. */
const MAX_HEADER_BYTES = 64 * 1024 * 1024

const require = createRequire(import.meta.url)
/** The sandtier version a snapshot is made by and restored on. */
export const SANDTIER_VERSION = (require('../../package.json') as { version: string }).version

interface Header {
  sandtier: string
  tier: TierSnapshot['tier']
  build: string
  baselineId: string
  memoryLimitBytes: number
  memory: Omit<MemoryImage, 'pages' | 'bytes'> & { pageCount: number; byteCount: number }
  folder: { path: string; kind: 'file' | 'directory'; modifiedMs: number; size: number }[]
  bodyBytes: number
  hasMemory: boolean
}

/** The key's id: lets a snapshot signed with another key be told from an edited one. */
function keyIdOf(key: Uint8Array): Buffer {
  return createHmac('sha256', key).update('sandtier snapshot key id').digest().subarray(0, 8)
}

/** Encodes and signs a tier's state. */
export function encodeSnapshot(state: TierSnapshot, key: Uint8Array): Uint8Array {
  const memory = state.memory
  const pages = memory ? memory.pages : new Uint32Array(0)
  const pageBytes = Buffer.alloc(pages.length * 4)
  for (let i = 0; i < pages.length; i++) pageBytes.writeUInt32LE(pages[i] as number, i * 4)
  const parts = [pageBytes, memory?.bytes ?? new Uint8Array(0), ...state.folder.map((e) => e.data)]
  const raw = Buffer.concat(parts)
  const header: Header = {
    sandtier: SANDTIER_VERSION,
    tier: state.tier,
    build: state.build,
    baselineId: state.baselineId,
    memoryLimitBytes: state.memoryLimitBytes,
    hasMemory: memory !== undefined,
    memory: {
      memoryBytes: memory?.memoryBytes ?? 0,
      brk: memory?.brk ?? 0,
      baseHeapEnd: memory?.baseHeapEnd ?? 0,
      pageCount: pages.length,
      byteCount: memory?.bytes.byteLength ?? 0,
    },
    folder: state.folder.map((e) => ({
      path: e.path,
      kind: e.kind,
      modifiedMs: e.modifiedMs,
      size: e.data.byteLength,
    })),
    bodyBytes: raw.length,
  }
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8')
  // Level 1: most of a heap image is small integers and pointers; faster levels save as much here.
  const body = deflateRawSync(raw, { level: 1 })
  const total = FIXED_BYTES + headerBytes.length + body.length + MAC_BYTES
  const fixed = Buffer.alloc(FIXED_BYTES)
  MAGIC.copy(fixed, 0)
  fixed.writeUInt16LE(SNAPSHOT_FORMAT_VERSION, 8)
  keyIdOf(key).copy(fixed, 10)
  fixed.writeBigUInt64LE(BigInt(total), 18)
  fixed.writeUInt32LE(headerBytes.length, 26)
  const mac = createHmac('sha256', key).update(fixed).update(headerBytes).update(body).digest()
  return new Uint8Array(Buffer.concat([fixed, headerBytes, body, mac], total))
}

/**
 * Checks and decodes snapshot bytes: magic, format version, length, key, signature, then the sandtier
 * version (the tier's build is checked by the caller, against the tier).
 * @throws SnapshotError 'malformed' (not a snapshot, truncated), 'foreign-key', 'tampered',
 *   'foreign-version'.
 */
export function decodeSnapshot(input: Uint8Array, key: Uint8Array): TierSnapshot {
  if (!(input instanceof Uint8Array)) throw malformed('a snapshot is a Uint8Array')
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  if (bytes.length < FIXED_BYTES + MAC_BYTES || !bytes.subarray(0, 8).equals(MAGIC))
    throw malformed('these bytes are not a sandtier snapshot')
  const format = bytes.readUInt16LE(8)
  if (format !== SNAPSHOT_FORMAT_VERSION)
    throw new SnapshotError(
      'foreign-version',
      `The snapshot has format ${format}; this sandtier reads format ${SNAPSHOT_FORMAT_VERSION}`,
    )
  const total = bytes.readBigUInt64LE(18)
  if (total !== BigInt(bytes.length))
    throw malformed(
      `the snapshot is ${bytes.length} bytes long, its header says ${total}: truncated`,
    )
  if (!bytes.subarray(10, 18).equals(keyIdOf(key)))
    throw new SnapshotError(
      'foreign-key',
      "The snapshot was signed with another key than this manager's (see the snapshotKey option)",
    )
  const signed = bytes.subarray(0, bytes.length - MAC_BYTES)
  const mac = createHmac('sha256', key).update(signed).digest()
  if (!timingSafeEqual(mac, bytes.subarray(bytes.length - MAC_BYTES)))
    throw new SnapshotError('tampered', 'The snapshot does not match its signature: it was changed')
  // Signed with our key: made by encodeSnapshot. Still read defensively.
  const headerBytes = bytes.readUInt32LE(26)
  if (headerBytes > MAX_HEADER_BYTES || FIXED_BYTES + headerBytes > signed.length)
    throw malformed('the header is longer than the snapshot')
  const header = parseHeader(signed.subarray(FIXED_BYTES, FIXED_BYTES + headerBytes))
  if (header.sandtier !== SANDTIER_VERSION)
    throw new SnapshotError(
      'foreign-version',
      `The snapshot was made by sandtier ${header.sandtier}; this is sandtier ${SANDTIER_VERSION}`,
    )
  let raw: Buffer
  try {
    raw = inflateRawSync(signed.subarray(FIXED_BYTES + headerBytes), {
      maxOutputLength: Math.max(1, header.bodyBytes),
    })
  } catch (err) {
    throw new SnapshotError('malformed', 'The snapshot body does not inflate', { cause: err })
  }
  return splitBody(header, raw)
}

function splitBody(header: Header, raw: Buffer): TierSnapshot {
  const m = header.memory
  const folderBytes = header.folder.reduce((sum, e) => sum + e.size, 0)
  if (raw.length !== header.bodyBytes || raw.length !== m.pageCount * 4 + m.byteCount + folderBytes)
    throw malformed('the body does not have the size its header says')
  const pages = new Uint32Array(m.pageCount)
  for (let i = 0; i < m.pageCount; i++) pages[i] = raw.readUInt32LE(i * 4)
  let at = m.pageCount * 4
  const take = (n: number): Uint8Array => {
    const out = new Uint8Array(raw.subarray(at, at + n))
    at += n
    return out
  }
  const memory: MemoryImage | undefined = header.hasMemory
    ? {
        memoryBytes: m.memoryBytes,
        brk: m.brk,
        baseHeapEnd: m.baseHeapEnd,
        pages,
        bytes: take(m.byteCount),
      }
    : undefined
  const folder: FolderImageEntry[] = header.folder.map((e) => ({
    path: e.path,
    kind: e.kind,
    modifiedMs: e.modifiedMs,
    data: take(e.size),
  }))
  return {
    tier: header.tier,
    build: header.build,
    baselineId: header.baselineId,
    memoryLimitBytes: header.memoryLimitBytes,
    memory,
    folder,
  }
}

const isCount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

function parseHeader(bytes: Buffer): Header {
  let header: Header
  try {
    header = JSON.parse(bytes.toString('utf8')) as Header
  } catch (err) {
    throw new SnapshotError('malformed', 'The snapshot header is not JSON', { cause: err })
  }
  const m = (header as Partial<Header> | null)?.memory
  const ok =
    typeof header.sandtier === 'string' &&
    typeof header.build === 'string' &&
    typeof header.baselineId === 'string' &&
    header.tier === 'quickjs' &&
    typeof header.hasMemory === 'boolean' &&
    isCount(header.memoryLimitBytes) &&
    isCount(header.bodyBytes) &&
    m !== undefined &&
    [m.memoryBytes, m.brk, m.baseHeapEnd, m.pageCount, m.byteCount].every(isCount) &&
    Array.isArray(header.folder) &&
    header.folder.every(
      (e) =>
        typeof e.path === 'string' &&
        isFolderPath(e.path) &&
        (e.kind === 'file' || e.kind === 'directory') &&
        typeof e.modifiedMs === 'number' &&
        isCount(e.size),
    )
  if (!ok) throw malformed('the snapshot header is not one sandtier writes')
  return header
}

/** A path relative to the folder, as the folder keeps them ('a/b.txt'; never '.', '..' or empty names). */
function isFolderPath(path: string): boolean {
  return path.split('/').every((name) => name !== '' && name !== '.' && name !== '..')
}

function malformed(why: string): SnapshotError {
  return new SnapshotError('malformed', `Not a usable snapshot: ${why}`)
}
