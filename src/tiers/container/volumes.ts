/**
 * `volumes` → HostConfig.Binds, refusing every mount that would hand the guest the host: the Docker socket
 * (root on the host), the host root, kernel interfaces (/proc, /sys, /dev), system configuration and boot
 * files, Docker's and containerd's state, and any container path that would shadow what the sandbox needs.
 *
 * A socket is refused wherever it sits below a mounted directory, not only as the mount itself: a guest
 * connects to a Unix socket through any path that reaches it, read-only mounts included (connect() needs no
 * write access to the mount). So a host directory is scanned (Docker binds are recursive: mounts below it
 * are scanned too) and refused when it holds a Unix socket at any depth, or when the scan would exceed
 * MAX_SCANNED_ENTRIES (a tree too large to vouch for); directories that are ancestors of the forbidden trees
 * (/var/lib → /var/lib/docker) are refused without a scan. A socket created after the check is not seen: mount
 * directories that no daemon writes into.
 */
import { readdirSync, realpathSync } from 'node:fs'
import path from 'node:path'
import type { VolumeMount } from '../../config.js'
import { ConfigError } from '../../errors.js'

/** Host paths that may not be mounted, nor anything below them. */
const FORBIDDEN_HOST_TREES = [
  '/proc',
  '/sys',
  '/dev',
  '/etc',
  '/root',
  '/boot',
  '/run',
  '/var/run',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/kubelet',
  '/var/log',
  '/lib/modules',
  '/usr/lib/modules',
]

/** Host paths that may not be mounted themselves (anything below them may). */
const FORBIDDEN_HOST_EXACT = [
  '/',
  '/bin',
  '/sbin',
  '/lib',
  '/lib64',
  '/usr',
  '/var',
  '/home',
  '/opt',
  '/srv',
  '/tmp',
]

/** Container paths a volume may not cover: the sandbox's own machinery and kernel interfaces. */
const FORBIDDEN_CONTAINER_TREES = ['/proc', '/sys', '/dev', '/opt/sandtier']
const FORBIDDEN_CONTAINER_EXACT = [
  '/',
  '/tmp',
  '/work',
  '/etc',
  '/bin',
  '/sbin',
  '/lib',
  '/lib64',
  '/usr',
]

/** Entries (files and directories) a volume's host directory may hold, so that scanning it stays bounded. */
export const MAX_SCANNED_ENTRIES = 50_000

function isUnder(p: string, tree: string): boolean {
  return p === tree || p.startsWith(`${tree}/`)
}

/** What a scan for sockets found: the first socket's path, or a tree too large to scan. */
export type SocketScan = { socket: string } | { tooLarge: true }

/**
 * The first Unix socket below `dir` (symlinks are not followed: inside the container they resolve in the
 * container's own tree), tooLarge past `maxEntries`, or undefined when there is none. Entry types come from
 * readdir (no stat per entry), so 50,000 entries take tens of milliseconds.
 */
export function findSocket(dir: string, maxEntries = MAX_SCANNED_ENTRIES): SocketScan | undefined {
  const pending = [dir]
  let seen = 0
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    let entries
    try {
      entries = readdirSync(current, { withFileTypes: true })
    } catch {
      // Unreadable for us (root) means unreadable in the sandbox too; a file path has no entries.
      continue
    }
    seen += entries.length
    if (seen > maxEntries) return { tooLarge: true }
    for (const entry of entries) {
      const full = `${current === '/' ? '' : current}/${entry.name}`
      if (entry.isSocket()) return { socket: full }
      if (entry.isDirectory()) pending.push(full)
    }
  }
  return undefined
}

// `..`, `.`, duplicate slashes and trailing slashes must not smuggle a path past the checks.
function normalize(option: string, p: string): string {
  if (!path.isAbsolute(p)) throw new ConfigError(option, 'an absolute path', p)
  if (p.includes('\0') || p.includes(':') || p.includes(','))
    throw new ConfigError(option, 'a path without NUL, ":" or ","', p)
  const normalized = path.posix.normalize(p)
  return normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized
}

/** The reason a host path may not be mounted, or undefined. */
export function forbiddenHostPath(hostPath: string): string | undefined {
  if (/(^|\/)docker\.sock$|(^|\/)containerd\.sock$/.test(hostPath) || hostPath.endsWith('.sock'))
    return 'an engine or daemon socket'
  if (FORBIDDEN_HOST_EXACT.includes(hostPath)) return 'a host system directory'
  const tree = FORBIDDEN_HOST_TREES.find((t) => isUnder(hostPath, t))
  if (tree) return `a path under ${tree}`
  const holds = FORBIDDEN_HOST_TREES.find((t) => isUnder(t, hostPath))
  if (holds) return `a directory that holds ${holds}`
  return undefined
}

/** The reason an existing host path may not be mounted because of what it holds, or undefined. */
function forbiddenContents(resolved: string): string | undefined {
  const found = findSocket(resolved)
  if (found === undefined) return undefined
  if ('tooLarge' in found)
    return `a directory with more than ${MAX_SCANNED_ENTRIES} entries (too large to check for sockets)`
  return `a directory holding a Unix socket (${found.socket})`
}

// A symlink must not lead to a forbidden path, and a missing path would be created by dockerd as root.
function resolveHostPath(option: string, hostPath: string): string {
  try {
    return realpathSync.native(hostPath)
  } catch {
    throw new ConfigError(option, 'an existing host path', hostPath)
  }
}

/**
 * Validates `volumes` and returns Binds (`host:container:ro|rw`).
 * @throws ConfigError naming `volumes[i].hostPath` or `volumes[i].containerPath`.
 */
export function volumeBinds(volumes: readonly VolumeMount[]): string[] {
  const seen = new Set<string>()
  return volumes.map((volume, i) => {
    const hostOption = `volumes[${i}].hostPath`
    const containerOption = `volumes[${i}].containerPath`
    const hostPath = normalize(hostOption, volume.hostPath)
    const containerPath = normalize(containerOption, volume.containerPath)
    const why =
      forbiddenHostPath(hostPath) ??
      (() => {
        const resolved = resolveHostPath(hostOption, hostPath)
        return forbiddenHostPath(resolved) ?? forbiddenContents(resolved)
      })()
    if (why) throw new ConfigError(hostOption, `a host path that is not ${why}`, volume.hostPath)
    if (
      FORBIDDEN_CONTAINER_EXACT.includes(containerPath) ||
      FORBIDDEN_CONTAINER_TREES.some((t) => isUnder(containerPath, t))
    )
      throw new ConfigError(
        containerOption,
        'a container path outside /, /proc, /sys, /dev, /opt/sandtier and not /tmp, /work or a system directory',
        volume.containerPath,
      )
    if (seen.has(containerPath))
      throw new ConfigError(
        containerOption,
        'a container path used by one volume only',
        volume.containerPath,
      )
    seen.add(containerPath)
    return `${hostPath}:${containerPath}:${volume.readOnly === false ? 'rw' : 'ro'}`
  })
}
