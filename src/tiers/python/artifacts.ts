/**
 * Where CPython-for-WASI lives on this machine: scripts/build-python-wasm.sh builds `python.wasm` (the reactor of
 * python-wasm/reactor.c) and `python313.zip` (the standard library as .pyc) into `<cache>/<recipe hash>/` and
 * writes the hash of its last successful build to `<cache>/current`. Nothing is downloaded at run time: when the
 * artifacts are missing, the answer says how to build them (what `doctor` prints).
 *
 * The cache folder is the script's, so the two must agree: `$SANDTIER_CACHE_DIR/python-wasm`, else
 * `${XDG_CACHE_HOME:-~/.cache}/sandtier/python-wasm`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

export const PYTHON_WASM_FILE = 'python.wasm'
export const PYTHON_STDLIB_ZIP_FILE = 'python313.zip'
/** Where the guest expects the standard library zip (reactor.c): the host maps this folder to the artifacts. */
export const PYTHON_STDLIB_GUEST_DIR = '/usr/local/lib'
const MANIFEST_FILE = 'manifest.json'
const CURRENT_FILE = 'current'
/** The manifest is a few hundred bytes; anything much larger is not ours. */
const MAX_MANIFEST_BYTES = 64 * 1024
const RECIPE_HASH = /^[0-9a-f]{16}$/
const BUILD_HINT =
  'build them with `bash scripts/build-python-wasm.sh` (as root the first time: it installs clang-19 and wasi-libc)'

export interface PythonWasmArtifacts {
  dir: string
  wasmPath: string
  stdlibZipPath: string
  /** Recipe hash of the build (the folder's name). */
  recipe: string
  pythonVersion: string
  wasmBytes: number
  stdlibZipBytes: number
  /** Debian versions of the toolchain packages the build used. */
  toolchain: Record<string, string>
}

export type PythonWasmStatus =
  | { available: true; artifacts: PythonWasmArtifacts; versions: Record<string, string> }
  | { available: false; reason: string; versions: Record<string, string> }

/** The folder that holds one subfolder per recipe hash and the `current` pointer. */
export function pythonWasmCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SANDTIER_CACHE_DIR) return join(env.SANDTIER_CACHE_DIR, 'python-wasm')
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sandtier', 'python-wasm')
}

/**
 * Whether a build is in place, without reading its manifest (the router asks it, synchronously, per sandbox
 * of auto-mode Python): the `current` pointer and both files exist. locatePythonWasm checks them fully.
 */
export function pythonWasmBuilt(cacheDir: string = pythonWasmCacheDir()): boolean {
  try {
    const recipe = readFileSync(join(cacheDir, CURRENT_FILE), 'utf8').trim()
    if (!RECIPE_HASH.test(recipe)) return false
    return (
      existsSync(join(cacheDir, recipe, PYTHON_WASM_FILE)) &&
      existsSync(join(cacheDir, recipe, PYTHON_STDLIB_ZIP_FILE))
    )
  } catch {
    return false
  }
}

/** Finds the current build's artifacts and checks them against its manifest (presence and sizes). */
export async function locatePythonWasm(
  cacheDir: string = pythonWasmCacheDir(),
): Promise<PythonWasmStatus> {
  const missing = (why: string): PythonWasmStatus => ({
    available: false,
    reason: `CPython for WASI: ${why} in ${cacheDir}; ${BUILD_HINT}`,
    versions: {},
  })
  const recipe = (await readSmallText(join(cacheDir, CURRENT_FILE)))?.trim()
  if (recipe === undefined) return missing('no build')
  if (!RECIPE_HASH.test(recipe)) return missing(`a malformed ${CURRENT_FILE} file`)
  const dir = join(cacheDir, recipe)
  const manifest = parseManifest(await readSmallText(join(dir, MANIFEST_FILE)))
  if (manifest === undefined || manifest.recipe !== recipe)
    return missing(`no valid manifest for build ${recipe}`)
  const wasmPath = join(dir, PYTHON_WASM_FILE)
  const stdlibZipPath = join(dir, PYTHON_STDLIB_ZIP_FILE)
  if ((await fileBytes(wasmPath)) !== manifest.wasmBytes)
    return missing(`${PYTHON_WASM_FILE} absent or changed (build ${recipe})`)
  if ((await fileBytes(stdlibZipPath)) !== manifest.stdlibZipBytes)
    return missing(`${PYTHON_STDLIB_ZIP_FILE} absent or changed (build ${recipe})`)
  const artifacts: PythonWasmArtifacts = { dir, wasmPath, stdlibZipPath, ...manifest }
  return {
    available: true,
    artifacts,
    versions: {
      python: manifest.pythonVersion,
      recipe,
      clang: manifest.toolchain['clang-19'] ?? 'unknown',
      'wasi-libc': manifest.toolchain['wasi-libc'] ?? 'unknown',
    },
  }
}

type Manifest = Pick<
  PythonWasmArtifacts,
  'recipe' | 'pythonVersion' | 'wasmBytes' | 'stdlibZipBytes' | 'toolchain'
>

/** The fields we use from manifest.json, or undefined when any is missing or of the wrong type. */
function parseManifest(text: string | undefined): Manifest | undefined {
  if (text === undefined) return undefined
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return undefined
  }
  const record = asRecord(raw)
  const files = asRecord(record?.files)
  const wasmBytes = asRecord(files?.[PYTHON_WASM_FILE])?.bytes
  const stdlibZipBytes = asRecord(files?.[PYTHON_STDLIB_ZIP_FILE])?.bytes
  const toolchain = asRecord(record?.toolchain) ?? {}
  if (typeof record?.recipe !== 'string' || typeof record.python !== 'string') return undefined
  if (typeof wasmBytes !== 'number' || typeof stdlibZipBytes !== 'number') return undefined
  const versions: Record<string, string> = {}
  for (const [name, version] of Object.entries(toolchain))
    if (typeof version === 'string') versions[name] = version
  return {
    recipe: record.recipe,
    pythonVersion: record.python,
    wasmBytes,
    stdlibZipBytes,
    toolchain: versions,
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

async function readSmallText(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path)
    if (!info.isFile() || info.size > MAX_MANIFEST_BYTES) return undefined
    return await readFile(path, 'utf8')
  } catch {
    return undefined
  }
}

async function fileBytes(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path)
    return info.isFile() ? info.size : undefined
  } catch {
    return undefined
  }
}
