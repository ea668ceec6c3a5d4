/**
 * What an in-process AssemblyScript compile needs: the compiler arguments (asconfig.json's release target),
 * the guest library source (asm/sandtier) and a fingerprint of both, which is part of every cache key.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'

/** Where the guest library is served to the compiler: `import ... from 'sandtier'` resolves here. */
export const GUEST_LIBRARY_PATH = 'node_modules/sandtier/index.ts'
/** The virtual path of the user's source. */
export const ENTRY_PATH = 'index.ts'

// Options taken from asconfig.json. Paths, bindings, transforms and output files are the CLI's business: an
// in-process compile never reads or writes the disk and never loads code.
const ALLOWED_OPTIONS = new Set([
  'optimizeLevel',
  'shrinkLevel',
  'converge',
  'noAssert',
  'runtime',
  'enable',
  'disable',
  'uncheckedBehavior',
])

export interface AscSetup {
  argv: string[]
  guestLibrary: string
  /** Hash of the compiler version, arguments and guest library. */
  fingerprint: string
  version: string
}

let setup: Promise<AscSetup> | undefined

/** Loads asconfig.json and the guest library once per process. */
export function loadAscSetup(): Promise<AscSetup> {
  setup ??= readSetup()
  return setup
}

async function readSetup(): Promise<AscSetup> {
  // src/tiers/wasm and dist/tiers/wasm are both three levels below the package root.
  const root = new URL('../../../', import.meta.url)
  const [configText, guestLibrary] = await Promise.all([
    readFile(new URL('asconfig.json', root), 'utf8'),
    readFile(new URL('asm/sandtier/index.ts', root), 'utf8'),
  ])
  const config = JSON.parse(configText) as {
    options?: Record<string, unknown>
    targets?: Record<string, Record<string, unknown>>
  }
  const options = { ...config.options, ...config.targets?.['release'] }
  const argv = [ENTRY_PATH, '--outFile', 'module.wasm']
  for (const [key, value] of Object.entries(options)) {
    if (!ALLOWED_OPTIONS.has(key) || value === false || value === undefined) continue
    if (value === true) argv.push(`--${key}`)
    else
      for (const v of Array.isArray(value) ? (value as unknown[]) : [value])
        argv.push(`--${key}`, scalar(key, v))
  }
  // Always: the host owns the memory; a name section so traps name their function (same code, measured).
  argv.push('--importMemory', '--debug')
  const version = readAscVersion()
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ version, argv, guestLibrary }))
    .digest('hex')
  return { argv, guestLibrary, fingerprint, version }
}

function scalar(key: string, value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value)
  throw new Error(`asconfig.json: option "${key}" must be a string or a number`)
}

/** The installed AssemblyScript version, without loading the compiler. */
export function readAscVersion(): string {
  const require = createRequire(import.meta.url)
  return (require('assemblyscript/package.json') as { version: string }).version
}
