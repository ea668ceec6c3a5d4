/**
 * Optional peers that are not dependencies: isolated-vm needs a native build, so it is looked up in the
 * project (`npm i --no-save isolated-vm`) or in bench/.peers (`npm i --no-save --prefix bench/.peers
 * isolated-vm`, which leaves the project's node_modules alone) and skipped cleanly when absent.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const PEERS_DIR = fileURLToPath(new URL('../.peers/', import.meta.url))
const HINT =
  'install with: npm i --no-save --prefix bench/.peers isolated-vm (needs its native addon)'

/** { available, path?, version?, reason? } for isolated-vm; loading is tried in a child (it needs --no-node-snapshot). */
export function findIsolatedVm() {
  const bases = [new URL('../../package.json', import.meta.url), `${PEERS_DIR}package.json`]
  for (const base of bases) {
    if (!existsSync(base)) continue
    try {
      const path = createRequire(base).resolve('isolated-vm')
      const pkg = createRequire(base).resolve('isolated-vm/package.json')
      const native = pkg.replace(/package\.json$/, 'out/isolated_vm.node')
      if (!existsSync(native))
        return {
          available: false,
          reason: `isolated-vm found but its native addon is missing (${native})`,
        }
      return { available: true, path, version: JSON.parse(readFileSync(pkg, 'utf8')).version }
    } catch {
      // not installed under this base
    }
  }
  return { available: false, reason: `isolated-vm not installed; ${HINT}` }
}

const IVM_CHILD = fileURLToPath(new URL('../cases/ivm-child.js', import.meta.url))

/**
 * Runs the isolated-vm child in `mode` ('startup' | 'cpu'); resolves to { samples: Map, errors: Map } like
 * interleave(), so the section can collect() it with its other cases.
 */
export async function measureIsolatedVm(ivm, mode, params) {
  const { runChild } = await import('./child.js')
  const samples = new Map()
  const errors = new Map()
  if (!ivm.available) return { samples, errors }
  try {
    const out = await runChild(IVM_CHILD, [ivm.path, mode, JSON.stringify(params)], {
      flags: ['--no-node-snapshot'],
    })
    for (const [id, values] of Object.entries(out.samples)) samples.set(id, values)
  } catch (error) {
    errors.set(`peer.ivm.${mode}`, error.message)
  }
  return { samples, errors }
}

/** Merges interleave() outcomes. */
export function mergeOutcomes(...outcomes) {
  const samples = new Map()
  const errors = new Map()
  const interrupted = new Map()
  for (const o of outcomes) {
    for (const [k, v] of o.samples) samples.set(k, v)
    for (const [k, v] of o.errors) errors.set(k, v)
    for (const [k, v] of o.interrupted ?? []) interrupted.set(k, v)
  }
  return { samples, errors, interrupted }
}
