/**
 * Memory per idle container (PERF-FLOORS method): N containers alive at once per configuration, then per
 * container the cgroup v1 memory.usage_in_bytes plus the PSS of its containerd-shim (which sits outside the
 * cgroup). Ours: N sandboxes after one execute (pool containers of the tier included, they are idle too).
 * Floors: the same image running `sleep infinity` created by raw dockerode, no hardening.
 */
import { RUNTIMES, containerMemory } from '../lib/engine.js'
import { engineGuard } from '../lib/engine-guard.js'
import { caseResult, errorText, skippedCase } from '../lib/interleave.js'
import { expectOk, TIER_CONFIG, TRIVIAL } from '../lib/tiers.js'

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const PARTS = [
  ['', 'totalKiB', 'cgroup usage + shim PSS'],
  ['.cgroup', 'cgroupKiB', '… cgroup memory.usage_in_bytes'],
  ['.shim', 'shimPssKiB', '… containerd-shim PSS'],
  ['.shim-rss', 'shimRssKiB', '… containerd-shim RSS (shared pages counted in full)'],
]

export function containerMemoryMetas() {
  const metas = []
  for (const tier of ['docker', 'gvisor']) {
    const rt = RUNTIMES[tier]
    for (const [suffix, key, what] of PARTS) {
      const base = { unit: 'KiB', key, parent: `cmem.${tier}` }
      metas.push({
        ...base,
        id: `cmem.${tier}${suffix}`,
        role: 'ours',
        tier,
        label: `${tier} sandbox, idle: ${what}`,
        floor: `cmem.${rt}${suffix}`,
        errorKey: suffix ? `cmem.${tier}` : undefined,
      })
      metas.push({
        ...base,
        id: `cmem.${rt}${suffix}`,
        role: 'floor',
        tier,
        runtime: rt,
        parent: `cmem.${rt}`,
        label: `raw ${rt} container (sleep): ${what}`,
        errorKey: suffix ? `cmem.${rt}` : undefined,
      })
    }
  }
  return metas
}

const configs = (ctx) =>
  containerMemoryMetas().filter((m) => !m.errorKey && ctx.selected(m.tier) && !ctx.skip(m))

export const containerMemoryTicks = (ctx) => configs(ctx).length * ctx.preset.containerMemory.rounds

/** Ids of running containers labelled for `tier` by this process. */
async function ourContainers(ctx, tier) {
  const filters = {
    label: [`sandtier.tier=${tier}`, `sandtier.pid=${process.pid}`],
    status: ['running'],
  }
  return (await ctx.docker.listContainers({ filters })).map((c) => c.Id)
}

/** N alive at once, measured, then torn down; resolves to per-container memory records. */
async function oneConfig(ctx, m, n, settleMs) {
  if (m.role === 'ours') {
    const manager = ctx.tiers[m.tier].manager
    const ids = []
    try {
      for (let i = 0; i < n; i++) {
        ids.push(await manager.createSandbox(TIER_CONFIG[m.tier]))
        expectOk(
          await manager.execute(ids[i], TRIVIAL[m.tier].request),
          undefined,
          `${m.tier} sandbox`,
        )
      }
      await sleep(settleMs)
      return (await ourContainers(ctx, m.tier)).map(containerMemory)
    } finally {
      await Promise.allSettled(ids.map((id) => manager.destroy(id)))
    }
  }
  const list = []
  try {
    for (let i = 0; i < n; i++) {
      const c = await ctx.register.create(m.runtime)
      list.push(c)
      await c.start()
    }
    await sleep(settleMs)
    return list.map((c) => containerMemory(c.id))
  } finally {
    await Promise.allSettled(list.map((c) => ctx.register.remove(c)))
  }
}

export async function measureContainerMemory(ctx) {
  const p = ctx.preset.containerMemory
  const list = configs(ctx)
  const records = new Map()
  const errors = new Map()
  const interrupted = new Map()
  // Each configuration starts from nothing, so after an engine restart by another session it is tried again.
  const guard = engineGuard(ctx, async () => {})
  for (let round = 0; round < p.rounds; round++) {
    for (const m of round % 2 ? [...list].reverse() : list) {
      for (let attempt = 0; attempt < 2 && !errors.has(m.id); attempt++) {
        try {
          await guard.beforeRound()
          records.set(m.id, [
            ...(records.get(m.id) ?? []),
            ...(await oneConfig(ctx, m, p.n, p.settleMs)),
          ])
          break
        } catch (error) {
          if ((await guard.classify(error)) === 'failure') errors.set(m.id, errorText(error))
          else
            interrupted.set(m.id, {
              runs: (interrupted.get(m.id)?.runs ?? 0) + 1,
              last: errorText(error),
            })
        }
      }
      ctx.progress.tick(1, `${m.id} round ${round + 1}/${p.rounds}`)
    }
  }
  const cases = {}
  for (const m of containerMemoryMetas().filter((x) => ctx.selected(x.tier))) {
    const reason = ctx.skip(m)
    if (reason) {
      cases[m.id] = skippedCase(m, reason)
      continue
    }
    const recs = records.get(m.parent) ?? []
    const method = `per container, ${p.n} alive at once, ${p.rounds} round(s), ${recs.length} containers measured`
    cases[m.id] = caseResult(
      { ...m, method },
      recs.map((r) => r[m.key]).filter(Number.isFinite),
      errors.get(m.parent),
    )
    if (!m.errorKey && recs.length) cases[m.id].procsPerContainer = recs[0].procs
    if (interrupted.has(m.parent)) {
      cases[m.id].interrupted = interrupted.get(m.parent)
      if (cases[m.id].error === 'no samples') delete cases[m.id].error
    }
  }
  return cases
}
