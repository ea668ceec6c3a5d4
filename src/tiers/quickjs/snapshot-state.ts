/**
 * What the host keeps of a quickjs sandbox's state between runs: the image of its memory (sandbox-image.ts)
 * and a copy of its folder (folder-image.ts), both counted against the tier's image budget. With both known,
 * a sandbox whose worker is lost is rebuilt elsewhere as it was after its last completed run or file
 * operation, and a fork starts from them without asking the worker.
 */
import type { FolderImageEntry } from '../tier.js'
import { FolderCopy, type FolderDelta } from './folder-image.js'
import type { ImageBudget } from './image-budget.js'
import type { SandboxImage } from './sandbox-image.js'

/**
 * What the sandbox's memory is known to be between runs: 'fresh' (no run changed it), an image of it taken
 * after its last run, or unknown (no image could be kept, or a run ended without telling).
 */
export type KnownMemory = 'fresh' | SandboxImage | undefined

export class KeptState {
  readonly #budget: ImageBudget
  #memory: KnownMemory = 'fresh'
  #memoryBytes = 0
  /** Undefined: unknown (it did not fit the budget); the worker is asked for all of it next time. */
  #folder: FolderCopy | undefined = new FolderCopy()
  #folderBytes = 0

  constructor(budget: ImageBudget) {
    this.#budget = budget
  }

  get memory(): KnownMemory {
    return this.#memory
  }

  /** The folder's entries, parents first; undefined when not known. */
  get folder(): FolderImageEntry[] | undefined {
    return this.#folder?.list()
  }

  get folderKnown(): boolean {
    return this.#folder !== undefined
  }

  /** Both memory and folder are known: the sandbox can be rebuilt from them. */
  get known(): boolean {
    return this.#memory !== undefined && this.#folder !== undefined
  }

  /** Records the memory's state; an image that does not fit the budget leaves it unknown. */
  setMemory(state: KnownMemory): void {
    const bytes = typeof state === 'object' ? state.bytes.byteLength + state.pages.byteLength : 0
    if (this.#budget.swap(this.#memoryBytes, bytes)) {
      this.#memory = state
      this.#memoryBytes = bytes
    } else {
      this.#memory = undefined
      this.#memoryBytes = 0
    }
  }

  /** Applies what the worker reported of the folder (in the order its replies came). */
  applyFolder(delta: FolderDelta | undefined): void {
    if (!delta) return
    if (!this.#folder && !delta.full) return
    const folder = this.#folder ?? new FolderCopy()
    folder.apply(delta)
    this.#setFolder(folder)
  }

  /** Starts over with `entries` (a snapshot's folder, or an empty one after a reset). */
  resetFolder(entries: readonly FolderImageEntry[] = []): void {
    this.#setFolder(FolderCopy.of(entries))
  }

  #setFolder(folder: FolderCopy | undefined): void {
    const bytes = folder?.bytes ?? 0
    if (this.#budget.swap(this.#folderBytes, bytes)) {
      this.#folder = folder
      this.#folderBytes = bytes
    } else {
      this.#folder = undefined
      this.#folderBytes = 0
    }
  }

  /** Gives the budget back (the sandbox closed). */
  release(): void {
    this.setMemory(undefined)
    this.#setFolder(undefined)
  }
}
