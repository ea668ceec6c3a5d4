/**
 * The in-memory file tree a Python run sees through WASI (worker side). node:wasi maps host folders and
 * @wasmer/wasi keeps its files in a linear memory nothing bounds, so the Python tier keeps its own: plain
 * JavaScript objects, one tree per mount, each mount with a byte budget checked BEFORE anything grows
 * (a write's end past the file's size, a new entry), and refunded when a file shrinks or goes. Nothing here
 * reaches the host's file system: the standard library zip is bytes the worker read once, shared read-only.
 * There are no links: WASI's link calls are refused, so nothing can point out of a mount.
 */

/** Charged per entry on top of its name (what a node costs the worker, rounded up), as the wasm tier does. */
export const ENTRY_COST_BYTES = 512

export interface FileNode {
  kind: 'file'
  /** Capacity may exceed `size`; bytes past `size` are zero. */
  data: Uint8Array
  size: number
  modifiedMs: number
}

export interface DirNode {
  kind: 'dir'
  entries: Map<string, TreeNode>
  modifiedMs: number
}

export type TreeNode = FileNode | DirNode

/** A preopened folder: its root, whether the guest may change it, and its byte budget. */
export class Mount {
  readonly root: DirNode
  #usedBytes = 0
  /** Set when something in the mount changed during the run (the host then takes the folder back). */
  changed = false
  /** The first growth refused for space, if any. */
  refusedBytes: number | undefined

  constructor(
    readonly guestPath: string,
    readonly writable: boolean,
    public limitBytes: number,
  ) {
    this.root = newDir()
  }

  /** Empties the mount for a new run with a new budget (descriptors still open see the old nodes only). */
  reset(limitBytes: number): void {
    this.root.entries.clear()
    this.#usedBytes = 0
    this.limitBytes = limitBytes
    this.changed = false
    this.refusedBytes = undefined
  }

  get usedBytes(): number {
    return this.#usedBytes
  }

  /** Charges `bytes` if they fit the budget, else records the refusal and returns false. */
  reserve(bytes: number): boolean {
    if (bytes <= this.limitBytes - this.#usedBytes) {
      this.#usedBytes += bytes
      this.changed = true
      return true
    }
    this.refusedBytes ??= bytes
    return false
  }

  refund(bytes: number): void {
    this.#usedBytes = Math.max(0, this.#usedBytes - bytes)
    this.changed = true
  }

  /** Puts a file at a relative path with its parents, charging the budget (the host's copy already fit it). */
  put(path: string, bytes: Uint8Array, modifiedMs = Date.now(), copy = true): void {
    const names = path.split('/').filter((n) => n !== '' && n !== '.')
    const dir = this.ensureDir(names.slice(0, -1).join('/'))
    const name = names.at(-1)
    if (dir === undefined || name === undefined) return
    this.#usedBytes += ENTRY_COST_BYTES + name.length + bytes.byteLength
    dir.entries.set(name, {
      kind: 'file',
      data: copy ? bytes.slice() : bytes,
      size: bytes.byteLength,
      modifiedMs,
    })
  }

  /** The folder at a relative path, made with its parents; undefined when a file is in the way. */
  ensureDir(path: string): DirNode | undefined {
    let dir = this.root
    for (const name of path.split('/').filter((n) => n !== '' && n !== '.')) {
      let next = dir.entries.get(name)
      if (next === undefined) {
        next = newDir()
        this.#usedBytes += ENTRY_COST_BYTES + name.length
        dir.entries.set(name, next)
      }
      if (next.kind !== 'dir') return undefined
      dir = next
    }
    return dir
  }
}

export function newDir(): DirNode {
  return { kind: 'dir', entries: new Map(), modifiedMs: Date.now() }
}

/** Bytes a node and everything below it charge. */
export function chargedBytes(name: string, node: TreeNode): number {
  let bytes = ENTRY_COST_BYTES + name.length
  if (node.kind === 'file') return bytes + node.size
  for (const [child, sub] of node.entries) bytes += chargedBytes(child, sub)
  return bytes
}

/**
 * Makes room for a file of `size` bytes (capacity doubles, never past what the budget allowed): the caller
 * reserved the growth first.
 */
export function growFile(file: FileNode, size: number): void {
  if (size > file.data.byteLength) {
    const capacity = Math.max(size, Math.min(file.data.byteLength * 2, size + (1 << 20)))
    const data = new Uint8Array(capacity)
    data.set(file.data.subarray(0, file.size))
    file.data = data
  }
  if (size < file.size) file.data.fill(0, size, file.size)
  file.size = size
}

/** The files and folders under a mount, as the host's folder takes them back. */
export function collectTree(
  mount: Mount,
  maxBytes: number,
): { files: [string, Uint8Array][]; dirs: string[] } | undefined {
  const files: [string, Uint8Array][] = []
  const dirs: string[] = []
  let bytes = 0
  const pending: [string, DirNode][] = [['', mount.root]]
  while (pending.length > 0) {
    const [prefix, dir] = pending.pop() as [string, DirNode]
    for (const [name, node] of dir.entries) {
      const path = prefix === '' ? name : `${prefix}/${name}`
      if (node.kind === 'dir') {
        dirs.push(path)
        pending.push([path, node])
      } else {
        bytes += node.size
        if (bytes > maxBytes) return undefined
        files.push([path, node.data.slice(0, node.size)])
      }
    }
  }
  return { files, dirs }
}
