/**
 * Our tiers as the bench sees them: how to create a sandbox of each, a trivial request with its expected
 * result, and a probe that says whether the tier runs here (or why not). Everything goes through the public
 * API (SandboxManager + createSandbox({ type })), so tiers are picked up as soon as the manager registers them.
 */
import { SandboxManager } from '../../dist/index.js'
import { errorText } from './interleave.js'

export const IN_PROCESS = ['quickjs', 'wasm']
export const CONTAINER = ['docker', 'gvisor']

/** createSandbox config per tier. */
export const TIER_CONFIG = {
  quickjs: { type: 'quickjs' },
  wasm: { type: 'wasm', language: 'assemblyscript' },
  docker: { type: 'docker', trust: 'trusted' },
  gvisor: { type: 'gvisor' },
}

/** The AssemblyScript `main` convention: input JSON text in, value JSON text out. */
export const AS_MAIN = 'export function main(input: string): string { return "2" }'

/** The smallest request per tier; containers run a shell `true` (the floors exec /bin/true too). */
export const TRIVIAL = {
  quickjs: { request: '1+1', label: "'1+1'", value: 2 },
  wasm: { request: { code: AS_MAIN }, label: 'AS main() returning "2"', value: 2 },
  docker: { request: { code: 'true', language: 'shell' }, label: "shell 'true'" },
  gvisor: { request: { code: 'true', language: 'shell' }, label: "shell 'true'" },
}

/** Throws unless the result is what the request must give: a wrong answer is a bench failure, not a timing. */
export function expectOk(result, expected, what) {
  const valueOk =
    expected === undefined || JSON.stringify(result.value) === JSON.stringify(expected)
  if (result.status !== 'ok' || !valueOk) {
    const e = result.error
    const why = e
      ? ` (${e.code ?? e.name}: ${e.message})`
      : valueOk
        ? ''
        : ` value ${JSON.stringify(result.value)?.slice(0, 80)}`
    const stderr = result.stderr ? ` stderr: ${result.stderr.slice(0, 160)}` : ''
    throw new Error(`${what}: status ${result.status}${why}${stderr}`)
  }
  return result
}

/**
 * Live sandboxes for the warm cases: `count` per tier, each run once. A tier whose set-up fails is left out
 * and its error kept, so the other tiers are still measured. → { ids: { tier: [id] }, failed: Map<tier, msg> }
 */
export async function liveSandboxes(ctx, tiers, count = 1) {
  const ids = {}
  const failed = new Map()
  for (const tier of tiers) {
    const manager = ctx.tiers[tier].manager
    ids[tier] = []
    try {
      for (let i = 0; i < count; i++) {
        ids[tier].push(await manager.createSandbox(TIER_CONFIG[tier]))
        expectOk(
          await manager.execute(ids[tier][i], TRIVIAL[tier].request),
          TRIVIAL[tier].value,
          `${tier} set-up run`,
        )
      }
    } catch (error) {
      failed.set(tier, `set-up failed: ${errorText(error)}`)
    }
  }
  return {
    ids,
    failed,
    /** Destroys them all. */
    close: () =>
      Promise.allSettled(
        Object.entries(ids).flatMap(([t, list]) =>
          list.map((id) => ctx.tiers[t].manager.destroy(id)),
        ),
      ),
  }
}

/** createSandbox + execute(trivial) + destroy, returning the times (ms) of each step. */
export async function coldStart(manager, tier, config = TIER_CONFIG[tier]) {
  const t0 = performance.now()
  const id = await manager.createSandbox(config)
  const t1 = performance.now()
  try {
    const result = await manager.execute(id, TRIVIAL[tier].request)
    const t2 = performance.now()
    expectOk(result, TRIVIAL[tier].value, `${tier} first execute`)
    return { create: t1 - t0, firstExecute: t2 - t1, total: t2 - t0 }
  } finally {
    await manager.destroy(id)
  }
}

/** coldStart() as case samples: { [prefix]: total, [prefix.create]: …, [prefix.execute]: … }. */
export async function coldStartSamples(manager, tier, prefix, config) {
  const t = await coldStart(manager, tier, config)
  return {
    [prefix]: t.total,
    [`${prefix}.create`]: t.create,
    [`${prefix}.execute`]: t.firstExecute,
  }
}

/** execute() on a live sandbox, checked; resolves to its wall time in ms. */
export async function timedExecute(manager, id, request, expected, what) {
  const t0 = performance.now()
  const result = await manager.execute(id, request)
  const ms = performance.now() - t0
  expectOk(result, expected, what)
  return ms
}

function unavailableReason(error) {
  const code = error?.code ? ` [${error.code}]` : ''
  return `${errorText(error)}${code}`
}

/**
 * Probes each tier with a fresh manager: available → { available: true, manager }, else { available: false,
 * reason }. The manager is kept for the sections (close with closeTiers).
 */
export async function probeTiers(ids, log) {
  const out = {}
  for (const tier of ids) {
    const manager = new SandboxManager()
    const t0 = performance.now()
    try {
      const first = await coldStart(manager, tier)
      out[tier] = { available: true, manager, probeMs: performance.now() - t0, firstStart: first }
    } catch (error) {
      out[tier] = { available: false, reason: unavailableReason(error) }
      await manager.close().catch(() => undefined)
      log?.(`tier ${tier} unavailable: ${out[tier].reason}`)
    }
  }
  return out
}

export async function closeTiers(tiers) {
  await Promise.allSettled(Object.values(tiers).map((t) => t.manager?.close()))
}

/** Availability without the live manager, for the JSON. */
export const tierStatus = (tiers) =>
  Object.fromEntries(
    Object.entries(tiers).map(([id, t]) => [
      id,
      t.available
        ? { available: true, probeMs: t.probeMs, firstStart: t.firstStart }
        : { available: false, reason: t.reason },
    ]),
  )

/**
 * Waits until no container tier is starting warm containers. A sandbox taken from a pool is replaced in
 * the background (dockerd, containerd and runsc busy for a second or more on this 2-core machine), and a
 * section that times in-process runs right after would measure that refill, not our tiers. Bounded by
 * `maxMs`; resolves to the ms waited.
 */
export async function settleContainerPools(tiers, maxMs = 60_000) {
  const t0 = performance.now()
  const starting = async () => {
    let n = 0
    for (const id of CONTAINER) {
      if (!tiers[id]?.available) continue
      n += (await tiers[id].manager.stats()).tiers[id]?.warmStarting ?? 0
    }
    return n
  }
  while ((await starting()) > 0 && performance.now() - t0 < maxMs)
    await new Promise((resolve) => setTimeout(resolve, 100))
  return performance.now() - t0
}
