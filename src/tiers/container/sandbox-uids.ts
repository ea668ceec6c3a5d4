/**
 * One host uid (and gid) per sandbox container. Without a user namespace the kernel keeps several budgets per
 * uid: inotify instances and watches, the pipe buffer quota (pipe-user-pages-soft), POSIX message queue bytes,
 * RLIMIT_NPROC, pending signals. With one shared uid, a background process in one sandbox exhausted them for
 * every other sandbox and for the host user of that uid (issue 21, K3). Each container therefore runs as a uid
 * of its own, taken from a range that holds no host user, and the uid is released when the container is gone.
 *
 * The range is the tier option `sandboxUids`. Its default, 1879048192 (0x70000000) + 2^20, lies above the
 * ranges systemd and useradd hand out (regular users up to 60000, subordinate ids for rootless containers from
 * 100000, systemd-nspawn container ranges 524288–1879048191) and below 2^31. At a tier's first sandbox the
 * range is checked against /etc/passwd, /etc/group, /etc/subuid and /etc/subgid of this host.
 *
 * Uids are unique among the containers of this process (all tiers). Another sandtier process on the same host
 * starts at another random offset of the range, so two processes overlap only when their live containers meet
 * in the range (about (a + b) / 2^20 for a and b live containers).
 */
import { randomInt } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { ConfigError, SandboxError } from '../../errors.js'

/** A range of host uids for sandbox containers: `first` … `first + count - 1`, also used as gids. */
export interface SandboxUidRange {
  /** @default 1879048192 (0x70000000) */
  first: number
  /** @default 1048576 */
  count: number
}

export const DEFAULT_SANDBOX_UIDS: Readonly<SandboxUidRange> = {
  first: 0x7000_0000,
  count: 1 << 20,
}

/** Below this are system and regular users (and 65534, nobody). */
const MIN_SANDBOX_UID = 65_536
/** uids at and above 2^31 break tools that keep them in a signed int. */
const MAX_SANDBOX_UID = 0x7fff_ffff

/** The uids held by containers of this process, on every tier, and the container that holds each. */
const heldUids = new Set<number>()
const uidOfContainer = new Map<string, number>()

/**
 * Validates a range option.
 * @throws ConfigError naming `sandboxUids`.
 */
export function checkUidRange(range: SandboxUidRange): SandboxUidRange {
  const { first, count } = range
  if (
    !Number.isInteger(first) ||
    !Number.isInteger(count) ||
    count < 1 ||
    first < MIN_SANDBOX_UID ||
    first + count - 1 > MAX_SANDBOX_UID
  )
    throw new ConfigError(
      'sandboxUids',
      `{ first, count } with integers, count ≥ 1, within ${MIN_SANDBOX_UID}…${MAX_SANDBOX_UID}`,
      range,
    )
  return { first, count }
}

/** Ids that a host file assigns: field `idField` of passwd/group lines, or `start:count` of subuid/subgid. */
function hostIdSpans(text: string, kind: 'ids' | 'subids'): Array<[number, number]> {
  const spans: Array<[number, number]> = []
  for (const line of text.split('\n')) {
    const fields = line.split(':')
    if (kind === 'ids') {
      const id = Number(fields[2])
      if (fields.length >= 3 && Number.isInteger(id)) spans.push([id, 1])
    } else {
      const start = Number(fields[1])
      const count = Number(fields[2])
      if (Number.isInteger(start) && Number.isInteger(count)) spans.push([start, count])
    }
  }
  return spans
}

const HOST_ID_FILES: ReadonlyArray<[string, 'ids' | 'subids']> = [
  ['/etc/passwd', 'ids'],
  ['/etc/group', 'ids'],
  ['/etc/subuid', 'subids'],
  ['/etc/subgid', 'subids'],
]

/**
 * Refuses a range that overlaps a host user, group or subordinate id range. Missing files count as empty.
 * @throws ConfigError naming `sandboxUids` and the file that overlaps.
 */
export async function checkUidRangeOnHost(
  range: SandboxUidRange,
  files: ReadonlyArray<[string, 'ids' | 'subids']> = HOST_ID_FILES,
): Promise<void> {
  const last = range.first + range.count - 1
  for (const [file, kind] of files) {
    const text = await readFile(file, 'utf8').catch(() => '')
    for (const [start, count] of hostIdSpans(text, kind))
      if (start <= last && start + count - 1 >= range.first)
        throw new ConfigError(
          'sandboxUids',
          `a uid range that no host user, group or subordinate id uses (${file} assigns ${start}${count > 1 ? `…${start + count - 1}` : ''})`,
          range,
        )
  }
}

/** Allocates uids of one range; every allocator of the process shares the set of held uids. */
export class SandboxUids {
  readonly range: SandboxUidRange
  #next: number

  constructor(range: SandboxUidRange = DEFAULT_SANDBOX_UIDS) {
    this.range = checkUidRange(range)
    // A random start keeps two sandtier processes on one host apart (see the file comment).
    this.#next = randomInt(0, this.range.count)
  }

  /**
   * A uid no container of this process holds; release it with releaseUid or bindUid + releaseContainerUid.
   * @throws SandboxError ERR_CAPACITY when every uid of the range is held.
   */
  allocate(): number {
    const { first, count } = this.range
    for (let i = 0; i < count; i++) {
      const uid = first + ((this.#next + i) % count)
      if (!heldUids.has(uid)) {
        heldUids.add(uid)
        this.#next = (this.#next + i + 1) % count
        return uid
      }
    }
    throw new SandboxError(
      'ERR_CAPACITY',
      `all ${count} sandbox uids (sandboxUids ${first}…${first + count - 1}) are in use`,
    )
  }
}

/** Records that `containerId` holds `uid` (released by releaseContainerUid once the container is gone). */
export function bindUid(containerId: string, uid: number): void {
  uidOfContainer.set(containerId, uid)
}

/** Frees a uid that no container holds (its create failed). */
export function releaseUid(uid: number): void {
  heldUids.delete(uid)
}

/** Frees the uid of a container that no longer exists. */
export function releaseContainerUid(containerId: string): void {
  const uid = uidOfContainer.get(containerId)
  if (uid === undefined) return
  uidOfContainer.delete(containerId)
  heldUids.delete(uid)
}

/** Uids held by containers of this process (for tests and stats). */
export function heldUidCount(): number {
  return heldUids.size
}
