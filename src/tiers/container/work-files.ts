/**
 * The container's part of the file contract (tier-files.ts): the sandbox's folder is its /work tmpfs, and
 * paths come checked and relative from the manager. Each operation is one exec in the sandbox, as the
 * sandbox user and within its disk limit (sandbox-files.ts says why the engine's archive endpoint cannot).
 *
 * Links: /work is the guest's, who may have put a link there (`/work/a -> /etc`). Every script resolves the
 * path's folders with `realpath -m` and refuses one that leads out of /work, and refuses a link where a file
 * or folder is asked for (not-a-file), so nothing outside /work is read, written, listed or removed. No guest
 * process runs between runs (terminate-run.ts ends them all) and file operations wait for the run in
 * progress, so nothing swaps a path between the check and its use.
 */
import type Dockerode from 'dockerode'
import { FileError, type FileErrorReason } from '../../errors.js'
import type { FileEntry, TierFiles } from '../tier-files.js'
import {
  CHECK_REGULAR,
  execFileCommand,
  NOT_REGULAR_EXIT,
  type FileExec,
  type FileExecFacts,
} from './sandbox-files.js'

const WORK = '/work'
const NOT_FOUND_EXIT = 65
const OUTSIDE_EXIT = 66
const TOO_LARGE_EXIT = 67
/** Seconds a file command may take inside the sandbox before it is killed there. */
const COMMAND_SECONDS = 30
/** Bytes of listing read back: far past 10,000 entries of usual names; a longer listing is cut. */
const MAX_LISTING_BYTES = 8 * 1024 * 1024

// $1 = path under /work. Sets $p to the path with its folders resolved; refuses a folder that leads out of
// /work (exit OUTSIDE_EXIT), and a link as the last name (not a regular file).
const RESOLVE = `if [ "$1" = ${WORK} ]; then p=${WORK}; else
d=$(realpath -m -- "$(dirname -- "$1")") || exit ${OUTSIDE_EXIT}
case "$d/" in ${WORK}/*) ;; *) exit ${OUTSIDE_EXIT} ;; esac
p="$d/$(basename -- "$1")"
if [ -L "$p" ]; then printf link >&2; exit ${NOT_REGULAR_EXIT}; fi
fi
set -- "$p" "$2" "$3"`

// $1 = path, $2 = seconds. A FIFO without a reader fails to open (ENXIO) instead of waiting for one.
const WRITE_SCRIPT = `${RESOLVE}
${CHECK_REGULAR}
mkdir -p -- "$(dirname -- "$1")" || exit 1
# A write cut short (no space) leaves no partial file behind.
timeout -s KILL "$2" dd of="$1" oflag=nonblock bs=65536 status=none || { s=$?; rm -f -- "$1"; exit $s; }`

// $1 = path, $2 = seconds, $3 = max bytes: the size is checked before any byte is sent, and dd is bounded too.
const READ_SCRIPT = `${RESOLVE}
[ -e "$1" ] || exit ${NOT_FOUND_EXIT}
${CHECK_REGULAR}
[ "$(stat -c %s -- "$1")" -le "$3" ] || exit ${TOO_LARGE_EXIT}
exec timeout -s KILL "$2" dd if="$1" iflag=nonblock,count_bytes count="$(($3 + 1))" bs=65536 status=none`

// $1 = folder, $2 = seconds, $3 = max entries. One NUL-ended record per entry: type, size, mtime, path.
// find never follows links (-P); they are listed as 'l' and left out by the host.
const LIST_SCRIPT = `${RESOLVE}
[ -e "$1" ] || exit ${NOT_FOUND_EXIT}
if [ ! -d "$1" ]; then printf file >&2; exit ${NOT_REGULAR_EXIT}; fi
timeout -s KILL "$2" find -P "$1" -mindepth 1 -printf '%y %s %T@ %P\\0' | head -z -n "$3"`

// $1 = path, $2 = seconds. A link is removed itself (rm never follows it).
const REMOVE_SCRIPT = `d=$(realpath -m -- "$(dirname -- "$1")") || exit ${OUTSIDE_EXIT}
case "$d/" in ${WORK}/*) ;; *) exit ${OUTSIDE_EXIT} ;; esac
exec timeout -s KILL "$2" rm -rf -- "$d/$(basename -- "$1")"`

/** The container of a sandbox and its one-at-a-time queue (ContainerSandbox's). */
export interface WorkFolderHost {
  container(): Promise<Dockerode.Container>
  serial<T>(fn: () => Promise<T>): Promise<T>
  /** /work starts empty: a fresh container's tmpfs with no volume mounted under it. */
  startsEmpty: boolean
}

/**
 * What the host knows of /work without an exec (each listing costs one: ~70 ms on runc, ~200 ms on runsc):
 * 'empty' until anything may have been written (a fresh container), 'no-output' when the runner said out/ was
 * absent or empty after the last run and nothing was written since, else 'unknown'.
 */
type Known = 'empty' | 'no-output' | 'unknown'

export class WorkFolder implements TierFiles {
  readonly #host: WorkFolderHost
  #known: Known

  constructor(host: WorkFolderHost) {
    this.#host = host
    this.#known = host.startsEmpty ? 'empty' : 'unknown'
  }

  knownEmpty(): boolean {
    return this.#known === 'empty'
  }

  outputKnownEmpty(): boolean {
    return this.#known !== 'unknown'
  }

  /**
   * After a run: the runner's out/ hint (false: out/ absent or empty), undefined when nothing said it (an
   * exec, a runner that lost its channel). The hint is the guest's word: believing it can only hide the
   * guest's own files from its own result, never show it anything.
   */
  noteRun(outputWritten: boolean | undefined): void {
    this.#known = outputWritten === false ? 'no-output' : 'unknown'
  }

  /** Something may have been written outside a run (a file call, a new container with a volume). */
  noteChanged(): void {
    this.#known = 'unknown'
  }

  async write(path: string, data: Uint8Array): Promise<void> {
    this.noteChanged()
    const facts = await this.#exec(WRITE_SCRIPT, path, [], data, 0, 'writeFile')
    this.#check(facts, path)
  }

  async read(path: string, maxBytes: number): Promise<Uint8Array> {
    const facts = await this.#exec(
      READ_SCRIPT,
      path,
      [String(maxBytes)],
      undefined,
      maxBytes,
      'readFile',
    )
    this.#check(facts, path, maxBytes)
    // The file grew between the size check and the read (only the guest's own runs write it): still bounded.
    if (facts.stdoutBytes > maxBytes) throw tooLarge(path, maxBytes)
    return facts.stdout
  }

  async list(path: string, maxEntries: number): Promise<FileEntry[]> {
    const facts = await this.#exec(
      LIST_SCRIPT,
      path,
      [String(maxEntries)],
      undefined,
      MAX_LISTING_BYTES,
      'listFiles',
    )
    this.#check(facts, path)
    return parseListing(facts.stdout, path)
  }

  async remove(path: string): Promise<void> {
    this.noteChanged()
    const facts = await this.#exec(REMOVE_SCRIPT, path, [], undefined, 0, 'removeFile')
    this.#check(facts, path)
  }

  async #exec(
    script: string,
    path: string,
    extra: string[],
    stdin: Uint8Array | undefined,
    maxStdoutBytes: number,
    what: string,
  ): Promise<FileExecFacts> {
    const absolute = path === '.' ? WORK : `${WORK}/${path}`
    const job: FileExec = {
      cmd: ['sh', '-c', script, `sandtier-${what}`, absolute, String(COMMAND_SECONDS), ...extra],
      stdin,
      maxStdoutBytes,
      what: `${what} ${path}`,
    }
    return await this.#host.serial(async () =>
      execFileCommand(await this.#host.container(), job, {
        timeoutMs: (COMMAND_SECONDS - 1) * 1000,
      }),
    )
  }

  #check(facts: FileExecFacts, path: string, maxBytes = 0): void {
    const { exitCode, stderr } = facts
    if (exitCode === 0) return
    if (exitCode === NOT_FOUND_EXIT) throw fileError('not-found', path, 'no such file or folder')
    if (exitCode === TOO_LARGE_EXIT) throw tooLarge(path, maxBytes)
    if (exitCode === OUTSIDE_EXIT)
      throw fileError('not-a-file', path, "a link leads out of the sandbox's folder")
    if (exitCode === NOT_REGULAR_EXIT)
      throw fileError('not-a-file', path, `not a regular file (${stderr.slice(0, 16)})`)
    if (/No space left on device|Disk quota exceeded/.test(stderr))
      throw fileError('no-space', path, "past the sandbox's diskSpace")
    if (/No such file or directory/.test(stderr)) throw fileError('not-found', path, stderr)
    if (/Not a directory|Is a directory/.test(stderr)) throw fileError('not-a-file', path, stderr)
    throw fileError('not-a-file', path, stderr || `exit code ${String(exitCode)}`)
  }
}

function fileError(reason: FileErrorReason, path: string, detail: string): FileError {
  return new FileError(reason, path, `${path}: ${detail.slice(0, 200)}`)
}

function tooLarge(path: string, maxBytes: number): FileError {
  return fileError('too-large', path, `larger than ${maxBytes} bytes`)
}

/** find's records → entries, paths relative to the sandbox's folder; links and special files left out. */
function parseListing(stdout: Buffer, folder: string): FileEntry[] {
  const entries: FileEntry[] = []
  const prefix = folder === '.' ? '' : `${folder}/`
  // A record cut by MAX_LISTING_BYTES has no NUL: the last piece is dropped.
  const records = stdout.toString('utf8').split('\0').slice(0, -1)
  for (const record of records) {
    const match = /^([a-zA-Z]) (\d+) (\d+(?:\.\d+)?) ([\s\S]+)$/.exec(record)
    if (!match) continue
    const [, type, size, mtime, name] = match as unknown as [string, string, string, string, string]
    if (type !== 'f' && type !== 'd') continue
    entries.push({
      path: prefix + name,
      kind: type === 'f' ? 'file' : 'directory',
      size: type === 'f' ? Number(size) : 0,
      modifiedMs: Math.floor(Number(mtime) * 1000),
    })
  }
  return entries
}
