/** What the manager keeps per live sandbox. */
import { randomUUID } from 'node:crypto'
import type { ResolvedConfig } from '../config.js'
import type { FileEntry } from '../tiers/tier-files.js'
import type { TierSandbox } from '../tiers/tier.js'
import type { Language, TierId } from '../types.js'
import { ConfigError } from '../errors.js'
import { RunTurns } from './run-turns.js'

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
  /**
   * The in-process guest may hold state a container does not have: globals of an earlier run, or a
   * restored or forked state. Such a run is never hedged nor sent straight to a container, and gets no
   * in-process CPU budget (run-attempts.ts): there its code would run without them and answer differently
   * ("x is not defined"). It moves only for a capability, marked `stateCarried: false`.
   */
  stateful: boolean
}

/** A tier sandbox just made (created, restored or forked), before the manager registers it. */
export interface MadeSandbox {
  tierId: TierId
  config: ResolvedConfig
  sandbox: TierSandbox
}

/**
 * A new entry with a fresh id. `outListing`: out/ as the new sandbox holds it ([] for an empty folder),
 * undefined when unknown (a restored or forked folder): its first run lists it first.
 */
export function newLiveSandbox(
  made: MadeSandbox,
  outListing: FileEntry[] | undefined,
): LiveSandbox {
  return {
    tierId: made.tierId,
    config: made.config,
    sandbox: made.sandbox,
    id: randomUUID(),
    escalated: undefined,
    lifetimeTimer: undefined,
    turns: new RunTurns(),
    outListing,
    stateful: true,
  }
}

/** @throws ConfigError when the sandbox cannot run `language`. */
export function checkLanguage(live: LiveSandbox, language: Language): void {
  if (!live.sandbox.languages.includes(language))
    throw new ConfigError(
      'language',
      `one of ${live.sandbox.languages.join(', ')} on tier "${live.tierId}"`,
      language,
    )
}
