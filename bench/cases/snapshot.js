/**
 * Snapshots (issue 19), quickjs: fork of a small sandbox (the fork alone, and fork + its first run, which
 * writes the state into a module), sb.snapshot() of a small sandbox, and a sandbox that loaded a ~1 MB
 * library restored from its snapshot (restore + first call) beside re-running the library's code in a new
 * sandbox (create + load + first call), interleaved in one run. Also the snapshot's size beside the heap it
 * holds, for a few sandboxes (a small one, the library, 8 MiB of data).
 */
import { randomBytes } from 'node:crypto'
import { SandboxManager } from '../../dist/index.js'
import { decodeSnapshot } from '../../dist/manager/snapshot-format.js'
import { collect, interleave, interleaveTicks } from '../lib/interleave.js'
import { expectOk } from '../lib/tiers.js'

export const title = 'Snapshots: fork, snapshot, restore (quickjs)'

const M = (id, label, more = {}) => ({ id, role: 'ours', tier: 'quickjs', label, ...more })
const METAS = [
  M('snap.fork', 'sb.fork() of a small sandbox (no run yet)'),
  M('snap.fork.run', "sb.fork() + the fork's first execute('x.n')"),
  M('snap.snapshot', 'sb.snapshot() of a small sandbox (bytes, signed)'),
  M('snap.restore.lib', 'restore(bytes) + first call, ~1 MB library loaded', {
    floor: 'snap.rerun.lib',
  }),
  M('snap.rerun.lib', 'create + run the ~1 MB library + first call'),
]
const CASE_IDS = METAS.map((m) => m.id)

/** ~1 MB of library code: functions and the data they close over, defined on one global. */
export function libraryCode(bytes = 1_000_000) {
  const parts = ['globalThis.lib = {};']
  let length = parts[0].length
  for (let i = 0; length < bytes; i++) {
    const part = `lib.f${i} = function (x) { const table = [${i}, x, 'name-${i}', { k: ${i % 97} }]; return table[0] + table[1] + table[2].length + table[3].k };`
    parts.push(part)
    length += part.length + 1
  }
  return parts.join('\n')
}

const enabled = (ctx) =>
  ctx.selected('quickjs') && !ctx.skip({ role: 'ours', tier: 'quickjs', id: '' })

export function plan(ctx) {
  if (!enabled(ctx)) return 0
  const p = ctx.preset.snapshot
  return interleaveTicks(CASE_IDS, p.rounds, p.warmup)
}

async function timed(fn) {
  const t0 = performance.now()
  const after = await fn()
  const ms = performance.now() - t0
  await after?.()
  return ms
}

/** Snapshot size beside the heap the sandbox holds (the allocator's break, less the ready image's). */
async function sizes(manager, key, lib) {
  const kinds = [
    ['small (x = { n: 1 })', 'globalThis.x = { n: 1 }; 1'],
    ['~1 MB library loaded', `${lib}\n1`],
    ['8 MiB of data', 'globalThis.data = new Uint8Array(8 * 1048576).fill(3); 1'],
  ]
  const out = []
  for (const [label, code] of kinds) {
    const sb = await manager.create({ type: 'quickjs' })
    expectOk(await sb.execute(code), 1, label)
    const bytes = await sb.snapshot()
    const state = decodeSnapshot(bytes, key)
    const memory = state.memory
    out.push({
      label,
      snapshotBytes: bytes.length,
      imageBytes: memory ? memory.bytes.length + memory.pages.length * 4 : 0,
      heapBytes: memory ? memory.brk - memory.baseHeapEnd : 0,
      breakBytes: memory?.brk ?? 0,
    })
    await sb.destroy()
  }
  return out
}

export async function measure(ctx) {
  const p = ctx.preset.snapshot
  if (!enabled(ctx))
    return {
      cases: collect(
        METAS,
        { samples: new Map(), errors: new Map() },
        (m) => ctx.skip(m) ?? 'quickjs not selected',
      ),
    }
  const key = randomBytes(32)
  const manager = new SandboxManager({ snapshotKey: key })
  try {
    const lib = libraryCode()
    const small = await manager.create({ type: 'quickjs' })
    expectOk(await small.execute('globalThis.x = { n: 1 }; 1'), 1, 'small set-up')
    const loaded = await manager.create({ type: 'quickjs' })
    expectOk(await loaded.execute(`${lib}\n1`), 1, 'library set-up')
    const libBytes = await loaded.snapshot()
    const cases = [
      {
        id: 'snap.fork',
        fn: () =>
          timed(async () => {
            const fork = await small.fork()
            return () => fork.destroy()
          }),
      },
      {
        id: 'snap.fork.run',
        fn: () =>
          timed(async () => {
            const fork = await small.fork()
            expectOk(await fork.execute('x.n'), 1, 'fork run')
            return () => fork.destroy()
          }),
      },
      { id: 'snap.snapshot', fn: () => timed(async () => void (await small.snapshot())) },
      {
        id: 'snap.restore.lib',
        fn: () =>
          timed(async () => {
            const sb = await manager.restore(libBytes)
            expectOk(await sb.execute('lib.f3(1)'), 3 + 1 + 6 + 3, 'restored library call')
            return () => sb.destroy()
          }),
      },
      {
        id: 'snap.rerun.lib',
        fn: () =>
          timed(async () => {
            const sb = await manager.create({ type: 'quickjs' })
            expectOk(await sb.execute(`${lib}\n1`), 1, 'library run')
            expectOk(await sb.execute('lib.f3(1)'), 3 + 1 + 6 + 3, 'library call')
            return () => sb.destroy()
          }),
      },
    ]
    const progress = { tick: (n, detail) => ctx.progress.tick(n, ` snapshot ${detail}`) }
    const outcome = await interleave({ cases, rounds: p.rounds, warmup: p.warmup, progress })
    return {
      rounds: p.rounds,
      libraryChars: lib.length,
      sizes: await sizes(manager, key, lib),
      cases: collect(METAS, outcome, (m) => ctx.skip(m)),
    }
  } finally {
    await manager.close()
  }
}
