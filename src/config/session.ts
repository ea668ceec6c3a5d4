/**
 * The `session` option: one live Python or Node interpreter per container sandbox whose globals persist
 * across execute calls (docs/sessions.md). Only the container tiers have it, and only for the languages with a
 * session interpreter in the image (images/sandbox/harness/session.py, session-node.mjs); the tier also
 * refuses it for containers without the resident runner (container-sandbox.ts).
 */
import { ConfigError } from '../errors.js'
import type { Language, SandboxType } from '../types.js'
import { optionalBoolean } from './checks.js'

/** Languages a session interpreter runs: python, and node for javascript and typescript. */
export const SESSION_LANGUAGES: readonly Language[] = ['python', 'javascript', 'typescript']

/** @throws ConfigError naming `session` when it is not a boolean, or set where no session can run. */
export function resolveSession(
  value: unknown,
  type: SandboxType,
  language: Language | undefined,
): boolean {
  const session = optionalBoolean('session', value) ?? false
  if (!session) return false
  if (type !== 'docker' && type !== 'gvisor')
    throw new ConfigError('session', "type 'docker' or 'gvisor' with session: true", type)
  if (language === undefined || !SESSION_LANGUAGES.includes(language))
    throw new ConfigError(
      'session',
      "language 'python', 'javascript' or 'typescript' with session: true",
      language ?? 'no language',
    )
  return true
}
