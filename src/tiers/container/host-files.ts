/**
 * Host files and sockets that sandbox containers see, kept in a directory whose path says nothing about the
 * host. A bind mount always shows its host source path in the guest's /proc/self/mountinfo (under runc), so
 * the sources live under a neutral directory: /run/sandtier when this process may create it (root), else
 * $XDG_RUNTIME_DIR/sandtier, else <tmpdir>/sandtier-<uid>. Only the process's user may enter it (0700).
 *
 * Shared, read-only files replace Docker's per-container /etc/hosts, /etc/hostname and /etc/resolv.conf,
 * which Docker otherwise mounts from /var/lib/docker/containers/<id>/ (the engine's data root and the
 * container id) with the host's name servers in resolv.conf. An empty read-only file masks gVisor's
 * /dev/fuse. Egress sockets get a directory of their own (privateHostDir).
 */
import { randomBytes } from 'node:crypto'
import { chmod, lstat, mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Paths of the shared files, as create requests mount them. */
export interface SharedHostFiles {
  hosts: string
  hostname: string
  resolvConf: string
  /** An empty file, mounted over device nodes the guest must not reach. */
  empty: string
}

/** The container's host name: the same for every sandbox (Docker's default is the container id). */
export const SANDBOX_HOSTNAME = 'sandbox'

/** Bump when a file's content changes, so that processes of two versions never rewrite each other's files. */
const FILES_DIR = 'files-v1'

const CONTENT: Readonly<Record<keyof SharedHostFiles, string>> = {
  hosts: `127.0.0.1\tlocalhost ${SANDBOX_HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
  hostname: `${SANDBOX_HOSTNAME}\n`,
  // No resolver but a loopback address nobody serves: names resolve on the host, through the egress policy.
  // One short attempt: gVisor's netstack answers no ICMP, so a lookup would otherwise wait 5 s × 2.
  resolvConf: 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n',
  empty: '',
}

const FILE_NAMES: Readonly<Record<keyof SharedHostFiles, string>> = {
  hosts: 'hosts',
  hostname: 'hostname',
  resolvConf: 'resolv.conf',
  empty: 'empty',
}

function candidateBaseDir(): string {
  const uid = process.getuid?.() ?? -1
  if (uid === 0) return '/run/sandtier'
  const runtimeDir = process.env['XDG_RUNTIME_DIR']
  if (runtimeDir?.startsWith('/')) return join(runtimeDir, 'sandtier')
  return join(tmpdir(), `sandtier-${uid}`)
}

/**
 * Creates the base directory or checks one that exists: ours, a real directory, closed to others (a shared
 * tmpdir lets anyone create the name first).
 */
async function ensureBaseDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const info = await lstat(dir)
  const uid = process.getuid?.()
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o077) !== 0)
    throw new Error(
      `${dir} must be a directory owned by this user with mode 0700 (found mode ${(info.mode & 0o7777).toString(8)}, uid ${info.uid})`,
    )
  return dir
}

let baseDir: Promise<string> | undefined
let sharedFiles: Promise<SharedHostFiles> | undefined

function hostBaseDir(): Promise<string> {
  baseDir ??= ensureBaseDir(candidateBaseDir())
  baseDir.catch(() => (baseDir = undefined))
  return baseDir
}

// Written once per content: an unchanged file is left alone (containers of other processes mount it), a
// changed or missing one is replaced atomically.
async function writeShared(dir: string, name: string, content: string): Promise<string> {
  const path = join(dir, name)
  const current = await readFile(path, 'utf8').catch(() => undefined)
  if (current !== content) {
    const temporary = `${path}.${randomBytes(6).toString('hex')}`
    await writeFile(temporary, content, { mode: 0o644 })
    await chmod(temporary, 0o644)
    await rename(temporary, path)
  }
  return path
}

/**
 * The shared files, created at the first call of the process.
 * @throws the file system error when the directory cannot be created or is not ours.
 */
export function sharedHostFiles(): Promise<SharedHostFiles> {
  sharedFiles ??= (async () => {
    const dir = join(await hostBaseDir(), FILES_DIR)
    await mkdir(dir, { recursive: true, mode: 0o755 })
    const entries = await Promise.all(
      (Object.keys(FILE_NAMES) as Array<keyof SharedHostFiles>).map(
        async (key) => [key, await writeShared(dir, FILE_NAMES[key], CONTENT[key])] as const,
      ),
    )
    return Object.fromEntries(entries) as unknown as SharedHostFiles
  })()
  sharedFiles.catch(() => (sharedFiles = undefined))
  return sharedFiles
}

/**
 * A new directory only this process's user may enter, named by a random id only (an egress socket's home).
 * The caller removes it.
 */
export async function privateHostDir(): Promise<string> {
  return await mkdtemp(join(await hostBaseDir(), 's-'))
}
