/** What the manager keeps per live sandbox. */
import type { ResolvedConfig } from '../config.js'
import type { FileEntry } from '../tiers/tier-files.js'
import type { TierSandbox } from '../tiers/tier.js'
import type { TierId } from '../types.js'
import type { RunTurns } from './run-turns.js'

export interface LiveSandbox {
  id: string
  tierId: TierId
  config: ResolvedConfig
  sandbox: TierSandbox
  /** The container sandbox this one's escalated runs go to, made on first need. */
  escalated: Promise<TierSandbox> | undefined
  lifetimeTimer: NodeJS.Timeout | undefined
  /**
   * The sandbox's runs and file operations in order: each waits here for the previous one (a run before it
   * asks for admission).
   */
  turns: RunTurns
  /**
   * The folder `out/` as the last run left it (what the next run's files are compared with), or undefined
   * when a file operation may have changed it since: the next run then lists it first.
   */
  outListing: FileEntry[] | undefined
}
