/**
 * The containers' resident runner (issue 15), docker (runc) and gvisor (runsc) interleaved in one run: warm
 * execute of `1+1` in Python and in JavaScript on a live sandbox, beside the same tier with the runner off
 * (ContainerTier `runner: false`: one docker exec per run) and beside raw dockerode exec of `python3 -c` /
 * `node -e` in a running container of the same image (the exec floor); one-shot runOnce() of a Python snippet
 * with the warm pool refilled before each sample (runner on and off); a session (`session: true`): `import
 * json` once, then one small execute per round. The path each tier took is read from what ran, not assumed:
 * the main command of the tier's containers (the runner or not) and its figures beside the runner-off tier.
 */
import { SandboxManager } from '../../dist/index.js'
import { RUNNER_COMMAND } from '../../dist/tiers/container/hardening.js'
import { RUNTIMES, dockerodeExec } from '../lib/engine.js'
import { engineGuard } from '../lib/engine-guard.js'
import { collect, errorText, interleave, interleaveTicks } from '../lib/interleave.js'
import { stat } from '../lib/figures.js'
import { expectOk, TIER_CONFIG } from '../lib/tiers.js'

export const title = 'Containers: the resident runner vs one exec per run vs raw exec (ms)'

const TIERS = ['docker', 'gvisor']
const PY = { code: '1+1', language: 'python' }
const SNIPPET = 'print(1+1)'
const SESSION_SETUP = { code: 'import json', language: 'python' }
/**
 * Uses the session's earlier import: a NameError (no session) is a failed sample, not a fast one. Checked by
 * what it prints (the value rules are the harness's, measured elsewhere).
 */
const SESSION_STEP = { code: 'print(len(json.dumps(list(range(10)))))', language: 'python' }
const FLOOR_CMD = {
  py: ['python3', '-c', 'print(1+1)'],
  js: ['node', '-e', 'process.stdout.write(String(1+1))'],
}
/** A tier whose runner-on p50 is under this share of its runner-off p50 measured a path without exec. */
const RUNNER_SHARE = 0.6

function metasFor() {
  const metas = []
  for (const tier of TIERS) {
    const rt = RUNTIMES[tier]
    const f = `rn.floor.${rt}`
    const m = (id, role, label, more = {}) => metas.push({ id, role, tier, label, ...more })
    m(`rn.${tier}.py`, 'ours', `${tier}: execute python '1+1' on a live sandbox`, {
      floor: `${f}.py`,
      also: [`rn.${tier}.py.off`],
      target: rt === 'runc' ? 10 : 30,
    })
    m(`rn.${tier}.js`, 'ours', `${tier}: execute('1+1') (JavaScript) on a live sandbox`, {
      floor: `${f}.js`,
      also: [`rn.${tier}.js.off`],
      target: rt === 'runc' ? 10 : 30,
    })
    m(`rn.${tier}.py.off`, 'ours', `${tier}, runner off: execute python '1+1'`, {
      floor: `${f}.py`,
    })
    m(`rn.${tier}.js.off`, 'ours', `${tier}, runner off: execute('1+1') (JavaScript)`, {
      floor: `${f}.js`,
    })
    m(`rn.${tier}.run`, 'ours', `${tier}: runOnce('${SNIPPET}', python), warm pool`, {
      also: [`rn.${tier}.run.off`],
      ...(rt === 'runc' ? { target: 25 } : {}),
    })
    m(`rn.${tier}.run.off`, 'ours', `${tier}, runner off: runOnce('${SNIPPET}', python), warm pool`)
    m(`rn.${tier}.session`, 'ours', `${tier}: session execute after 'import json' once`, {
      also: [`rn.${tier}.py`],
      ...(rt === 'runc' ? { target: 15 } : {}),
    })
    // Where the time goes: the tier's own clock (send → reply) inside the caller's wall time.
    for (const k of ['py', 'js', 'py.off', 'js.off'])
      m(`rn.${tier}.${k}.tier`, 'ours', "… of which the tier's run (ExecResult.durationMs)", {
        errorKey: `rn.${tier}.${k}`,
      })
    m(`${f}.py`, 'floor', `dockerode exec python3 -c 'print(1+1)' into a running ${rt} container`, {
      runtime: rt,
    })
    m(`${f}.js`, 'floor', `dockerode exec node -e '1+1' into a running ${rt} container`, {
      runtime: rt,
    })
  }
  return metas
}

const runnable = (ctx, m) => !m.errorKey && ctx.selected(m.tier) && !ctx.skip(m)
export const plan = (ctx) =>
  interleaveTicks(
    metasFor().filter((m) => runnable(ctx, m)),
    ctx.preset.runner.rounds,
    ctx.preset.runner.warmup,
  )

/** Waits (bounded) until the manager's pool for `tier` has a ready container and none starting. */
async function warmPool(manager, tier, maxMs = 30_000) {
  const t0 = performance.now()
  for (;;) {
    const s = (await manager.stats()).tiers[tier]
    if ((s?.warmContainers ?? 0) >= 1 && (s?.warmStarting ?? 0) === 0) return
    if (performance.now() - t0 > maxMs) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function timedRunOnce(manager, tier) {
  await warmPool(manager, tier)
  const t0 = performance.now()
  const r = await manager.runOnce({ ...TIER_CONFIG[tier], language: 'python' }, SNIPPET)
  const ms = performance.now() - t0
  expectOk(r, undefined, `${tier} runOnce`)
  if (r.stdout !== '2\n') throw new Error(`${tier} runOnce printed ${JSON.stringify(r.stdout)}`)
  return ms
}

async function timedExec(container, cmd) {
  const t0 = performance.now()
  await dockerodeExec(container, cmd)
  return performance.now() - t0
}

/** Whether this process's containers of `tier` run the resident runner as their main command. */
async function mainCommands(ctx, tier) {
  const list = await ctx.docker.listContainers({
    filters: { label: [`sandtier.pid=${process.pid}`, `sandtier.tier=${tier}`] },
  })
  // Command is the entrypoint (the image's keeper) followed by the main command
  const runner = ` ${RUNNER_COMMAND.join(' ')}`
  const runs = (c) => ` ${c.Command}`.endsWith(runner)
  return { containers: list.length, runner: list.filter(runs).length }
}

/** The path each tier's runs took, from its containers and its figures beside the runner-off tier. */
function pathOf(cases, tier, commands) {
  const on = stat(cases[`rn.${tier}.py`])
  const off = stat(cases[`rn.${tier}.py.off`])
  const share = on !== undefined && off !== undefined ? on / off : undefined
  let path = 'unknown'
  if (commands && commands.runner === 0) path = 'exec (no container of the tier runs the runner)'
  else if (share !== undefined && share < RUNNER_SHARE) path = 'runner'
  else if (share !== undefined) path = 'runner container, but as slow as one exec per run'
  return { path, onOffShareP50: share, ...commands }
}

export async function measure(ctx) {
  const p = ctx.preset.runner
  const metas = metasFor()
  const ids = new Set(metas.filter((m) => runnable(ctx, m)).map((m) => m.id))
  const tiers = TIERS.filter((t) => ids.has(`rn.${t}.py`))
  const off = Object.fromEntries(
    tiers.map((t) => [t, new SandboxManager({ tiers: { [t]: { runner: false } } })]),
  )
  const live = {}
  const running = {}
  const sessionSkip = new Map()
  const setupErrors = new Map()
  const commands = {}
  const closeLive = () =>
    Promise.allSettled(Object.values(live).map(({ manager, id }) => manager.destroy(id)))
  try {
    // The long-lived sandboxes and containers; rebuilt when another session restarts the engine.
    const setup = async () => {
      await closeLive()
      for (const key of Object.keys(live)) delete live[key]
      for (const tier of tiers) {
        const on = ctx.tiers[tier].manager
        const make = async (key, manager, config, first) => {
          try {
            const id = await manager.createSandbox(config)
            live[key] = { manager, id }
            expectOk(await manager.execute(id, first), undefined, `${key} set-up run`)
          } catch (error) {
            setupErrors.set(key, `set-up failed: ${errorText(error)}`)
          }
        }
        await make(`${tier}.on`, on, TIER_CONFIG[tier], PY)
        await make(`${tier}.off`, off[tier], TIER_CONFIG[tier], PY)
        try {
          const config = { ...TIER_CONFIG[tier], language: 'python', session: true }
          const id = await on.createSandbox(config)
          live[`${tier}.session`] = { manager: on, id }
          expectOk(await on.execute(id, SESSION_SETUP), undefined, `${tier} session import`)
        } catch (error) {
          // createSandbox refuses the option until sessions exist: a reason, not a failure
          if (error?.code === 'ERR_CONFIG')
            sessionSkip.set(tier, `unavailable: ${errorText(error)}`)
          else setupErrors.set(`${tier}.session`, `set-up failed: ${errorText(error)}`)
        }
      }
      for (const tier of tiers) {
        const rt = RUNTIMES[tier]
        if (!ids.has(`rn.floor.${rt}.py`)) continue
        if (running[rt]) await ctx.register.remove(running[rt]).catch(() => undefined)
        running[rt] = await ctx.register.create(rt)
        await running[rt].start()
      }
    }
    const guard = engineGuard(ctx, setup)
    await guard.start()
    for (const tier of tiers) commands[tier] = await mainCommands(ctx, tier).catch(() => undefined)
    const fns = {}
    for (const tier of tiers) {
      const rt = RUNTIMES[tier]
      const warm = (id, key, request) => async () => {
        const { manager, id: sandbox } = live[key]
        const t0 = performance.now()
        const r = await manager.execute(sandbox, request)
        const ms = performance.now() - t0
        expectOk(r, 2, `${key} warm`)
        return { [id]: ms, [`${id}.tier`]: r.durationMs }
      }
      for (const [k, key, request] of [
        ['py', 'on', PY],
        ['js', 'on', '1+1'],
        ['py.off', 'off', PY],
        ['js.off', 'off', '1+1'],
      ])
        fns[`rn.${tier}.${k}`] = warm(`rn.${tier}.${k}`, `${tier}.${key}`, request)
      fns[`rn.${tier}.session`] = async () => {
        const { manager, id } = live[`${tier}.session`]
        const t0 = performance.now()
        const r = await manager.execute(id, SESSION_STEP)
        const ms = performance.now() - t0
        expectOk(r, undefined, `${tier} session execute`)
        if (r.stdout !== '30\n')
          throw new Error(`${tier} session printed ${JSON.stringify(r.stdout)}`)
        return ms
      }
      fns[`rn.${tier}.run`] = () => timedRunOnce(ctx.tiers[tier].manager, tier)
      fns[`rn.${tier}.run.off`] = () => timedRunOnce(off[tier], tier)
      fns[`rn.floor.${rt}.py`] = () => timedExec(running[rt], FLOOR_CMD.py)
      fns[`rn.floor.${rt}.js`] = () => timedExec(running[rt], FLOOR_CMD.js)
    }
    const needs = (id) => {
      const [, tier, kind] = id.split('.')
      if (kind === 'session') return `${tier}.session`
      if (id.endsWith('.run') || id.endsWith('.run.off') || id.startsWith('rn.floor'))
        return undefined
      return `${tier}.${id.endsWith('.off') ? 'off' : 'on'}`
    }
    const cases = [...ids]
      .filter((id) => !(id.endsWith('.session') && sessionSkip.has(id.split('.')[1])))
      .filter((id) => !setupErrors.has(needs(id)))
      .map((id) => ({ id, fn: fns[id] }))
    const outcome = await interleave({
      cases,
      guard,
      rounds: p.rounds,
      warmup: p.warmup,
      progress: ctx.progress,
    })
    for (const id of ids) {
      const why = setupErrors.get(needs(id))
      if (why) outcome.errors.set(id, why)
    }
    const skip = (m) =>
      ctx.skip(m) ?? (m.id.endsWith('.session') ? sessionSkip.get(m.tier) : undefined)
    const records = collect(
      metas.filter((m) => ctx.selected(m.tier)),
      outcome,
      skip,
    )
    const paths = Object.fromEntries(tiers.map((t) => [t, pathOf(records, t, commands[t])]))
    for (const [tier, { path }] of Object.entries(paths))
      for (const k of ['py', 'js', 'run', 'session']) {
        const c = records[`rn.${tier}.${k}`]
        if (c) c.path = path
      }
    return {
      rounds: p.rounds,
      warmup: p.warmup,
      engineRestarts: guard.restarts,
      paths,
      cases: records,
    }
  } finally {
    await closeLive()
    await Promise.allSettled(Object.values(off).map((m) => m.close()))
    for (const c of Object.values(running)) await ctx.register.remove(c).catch(() => undefined)
  }
}
