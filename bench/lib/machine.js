/** Where and on what the numbers were taken: machine, load, versions, the code's commit. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PACKAGES = [
  'quickjs-emscripten',
  '@jitl/quickjs-wasmfile-release-sync',
  'dockerode',
  'assemblyscript',
  '@wasmer/wasi',
]

function pkgVersion(name, base = ROOT) {
  try {
    return JSON.parse(readFileSync(`${base}node_modules/${name}/package.json`, 'utf8')).version
  } catch {
    return undefined
  }
}

function git(args) {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
  } catch {
    return undefined
  }
}

export function loadAverage() {
  return os.loadavg().map((x) => Number(x.toFixed(2)))
}

export function machineInfo() {
  const cpus = os.cpus()
  const versions = {
    sandtier: JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).version,
    node: process.version,
    v8: process.versions.v8,
  }
  for (const p of PACKAGES) versions[p] = pkgVersion(p) ?? 'not installed'
  const dirty = git(['status', '--porcelain', '--', 'src'])
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memTotalMiB: Math.round(os.totalmem() / 2 ** 20),
    memAvailableMiB: Math.round(os.freemem() / 2 ** 20),
    kernel: `${os.type()} ${os.release()}`,
    arch: process.arch,
    hostname: os.hostname(),
    loadAverageStart: loadAverage(),
    versions,
    git: {
      commit: git(['rev-parse', '--short', 'HEAD']),
      uncommittedSrcFiles: dirty ? dirty.split('\n').length : 0,
    },
  }
}
