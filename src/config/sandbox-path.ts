/**
 * Paths into a sandbox's folder, checked once by the manager: relative to the folder ('data/in.csv'), or
 * absolute under `/work/` (the same folder as containers name it). No `..` segment, no NUL, no empty or
 * over-long name: a path names a place inside the folder or is refused with a ConfigError naming it.
 * Links inside the folder are the tiers' to refuse (tier-files.ts).
 */
import { ConfigError } from '../errors.js'

/** The sandbox's folder as the guest sees it on every tier. */
export const SANDBOX_FOLDER = '/work'
const MAX_PATH_CHARS = 4096
const MAX_NAME_BYTES = 255

/**
 * '/work/a//b/./c.txt' → 'a/b/c.txt'; '.', '', '/work' → '.'.
 * @param option the option or argument named in the error ('path', 'files["x"]').
 */
export function sandboxPath(path: unknown, option = 'path'): string {
  const expected = `a path inside the sandbox's folder (relative, or under ${SANDBOX_FOLDER}/), without ".."`
  if (typeof path !== 'string' || path.length > MAX_PATH_CHARS || path.includes('\0'))
    throw new ConfigError(option, expected, path)
  let rest = path
  if (rest.startsWith('/')) {
    if (rest !== SANDBOX_FOLDER && !rest.startsWith(`${SANDBOX_FOLDER}/`))
      throw new ConfigError(option, expected, path)
    rest = rest.slice(SANDBOX_FOLDER.length)
  }
  const names = rest.split('/').filter((name) => name !== '' && name !== '.')
  for (const name of names)
    if (name === '..' || Buffer.byteLength(name) > MAX_NAME_BYTES)
      throw new ConfigError(option, expected, path)
  return names.length === 0 ? '.' : names.join('/')
}
