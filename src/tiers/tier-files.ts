/**
 * The file part of the tier contract: a sandbox's folder, the same shape on every tier (containers: the
 * /work tmpfs; wasm: the WASI preopened folder in memory; quickjs: an in-memory folder the guest reaches
 * through a small `fs`). The manager checks paths (config/sandbox-path.ts) before a tier sees them: a
 * tier gets a normalized relative path ('a/b.txt', '.' for the folder itself) and must still never follow
 * a link out of its folder, nor open anything but a regular file or a directory.
 */

/** One entry of a folder listing. */
export interface FileEntry {
  /** Relative to the sandbox's folder, '/'-separated. */
  path: string
  kind: 'file' | 'directory'
  /** Bytes; 0 for a directory. */
  size: number
  /** Last modification, epoch ms (what ExecResult.files compares to find what a run wrote). */
  modifiedMs: number
}

export interface TierFiles {
  /**
   * Writes a file (parents created), replacing a regular file there.
   * @throws FileError 'not-a-file' when something else is there, 'no-space' past diskSpace.
   */
  write(path: string, data: Uint8Array): Promise<void>
  /**
   * Reads a regular file of at most `maxBytes`.
   * @throws FileError 'not-found', 'not-a-file', 'too-large'.
   */
  read(path: string, maxBytes: number): Promise<Uint8Array>
  /**
   * Lists a folder and everything below it (depth first, at most `maxEntries`; links are listed as
   * neither kind and not followed, so they are left out).
   * @throws FileError 'not-found', 'not-a-file' (a file where a folder was asked for).
   */
  list(path: string, maxEntries: number): Promise<FileEntry[]>
  /**
   * Removes a file or a folder with everything in it. Removing what is not there is not an error.
   */
  remove(path: string): Promise<void>
  /**
   * True when the tier knows, without asking anyone, that the folder holds nothing and no run is writing
   * to it (quickjs before its guest or a caller put anything there): the manager then skips its listings
   * of out/ around a run. Optional: without it the manager lists.
   */
  knownEmpty?(): boolean
  /**
   * True when the tier knows, without asking anyone, that out/ is absent or empty (e.g. a container's runner
   * said so at the end of the last run, and nothing was written since): the manager then skips its listings of
   * out/ as it does for knownEmpty. Optional: without it the manager lists.
   */
  outputKnownEmpty?(): boolean
}
