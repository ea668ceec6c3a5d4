/**
 * Start-up of the container tiers, interleaved with raw dockerode and the docker CLI on the same image:
 * cold start (createSandbox + first execute), the same with no warm pool, warm execute (shell and node);
 * floors: dockerode create + start + exec, exec into a running container, `docker run --rm`, ping.
 */
import { SandboxManager } from '../../dist/index.js'
import { IMAGE, RUNTIMES, dockerodeExec, sh } from '../lib/engine.js'
import { engineGuard } from '../lib/engine-guard.js'
import { collect, interleave, interleaveTicks } from '../lib/interleave.js'
import { coldStart, coldStartSamples, liveSandboxes, timedExecute, TRIVIAL } from '../lib/tiers.js'

export const title = 'Container start-up (ms)'
const NODE_1_1 = ['node', '-e', 'process.stdout.write(String(1+1))']

function metasFor() {
  const metas = []
  for (const tier of ['docker', 'gvisor']) {
    const rt = RUNTIMES[tier]
    const f = `ct.floor.${rt}`
    const m = (id, role, label, more = {}) => metas.push({ id, role, tier, label, ...more })
    m(
      `ct.${tier}.cold`,
      'ours',
      `${tier}: createSandbox + first execute (shell 'true'), warm pool on`,
      { floor: `${f}.create-start-exec`, also: [`${f}.cli-run`] },
    )
    m(`ct.${tier}.cold.create`, 'ours', '… of which createSandbox', { errorKey: `ct.${tier}.cold` })
    m(`ct.${tier}.cold.execute`, 'ours', '… of which first execute', {
      errorKey: `ct.${tier}.cold`,
    })
    m(
      `ct.${tier}.nopool`,
      'ours',
      `${tier}: the same with poolSize 0 (container created and started per sandbox)`,
      { floor: `${f}.create-start-exec`, also: [`${f}.cli-run`] },
    )
    m(`ct.${tier}.warm`, 'ours', `${tier}: execute shell 'true' on a live sandbox`, {
      floor: `${f}.exec`,
    })
    m(`ct.${tier}.warm-js`, 'ours', `${tier}: execute('1+1') (JavaScript, node in the container)`, {
      floor: `${f}.exec-node`,
    })
    m(
      `${f}.create-start-exec`,
      'floor',
      `dockerode create + start + exec true (${rt}, network none)`,
      { runtime: rt },
    )
    m(`${f}.create`, 'floor', '… of which create', {
      runtime: rt,
      errorKey: `${f}.create-start-exec`,
    })
    m(`${f}.create-start`, 'floor', '… of which create + start', {
      runtime: rt,
      errorKey: `${f}.create-start-exec`,
    })
    m(`${f}.exec`, 'floor', `dockerode exec true into a running ${rt} container`, { runtime: rt })
    m(`${f}.exec-node`, 'floor', `dockerode exec node -e '1+1' into a running ${rt} container`, {
      runtime: rt,
    })
    m(
      `${f}.cli-run`,
      'floor',
      `CLI docker run --rm --network none${rt === 'runsc' ? ' --runtime runsc' : ''} <image> true`,
      { runtime: rt },
    )
  }
  metas.push({
    id: 'ct.floor.ping',
    role: 'floor',
    tier: 'docker',
    runtime: 'runc',
    label: 'dockerode ping (API round trip)',
  })
  return metas
}

const runnable = (ctx, m) => !m.errorKey && ctx.selected(m.tier) && !ctx.skip(m)
export const plan = (ctx) =>
  interleaveTicks(
    metasFor().filter((m) => runnable(ctx, m)),
    ctx.preset.containers.rounds,
    ctx.preset.containers.warmup,
  )

export async function measure(ctx) {
  const p = ctx.preset.containers
  const metas = metasFor()
  const ids = new Set(metas.filter((m) => runnable(ctx, m)).map((m) => m.id))
  let live = { ids: {}, failed: new Map(), close: async () => {} }
  const running = {}
  const noPool = {}
  try {
    const tiers = ['docker', 'gvisor'].filter((t) => ids.has(`ct.${t}.warm`))
    const runtimes = ['runc', 'runsc'].filter((rt) => ids.has(`ct.floor.${rt}.exec`))
    for (const tier of tiers)
      noPool[tier] = new SandboxManager({ tiers: { [tier]: { poolSize: 0 } } })
    // The long-lived sandboxes and containers; rebuilt when another session restarts the engine.
    const setup = async () => {
      await live.close()
      live = await liveSandboxes(ctx, tiers)
      for (const rt of runtimes) {
        if (running[rt]) await ctx.register.remove(running[rt]).catch(() => undefined)
        running[rt] = await ctx.register.create(rt)
        await running[rt].start()
      }
    }
    const guard = engineGuard(ctx, setup)
    await guard.start()
    for (const tier of live.failed.keys())
      for (const k of ['warm', 'warm-js']) ids.delete(`ct.${tier}.${k}`)
    const fns = {
      'ct.floor.ping': async () => {
        const t0 = performance.now()
        await ctx.docker.ping()
        return performance.now() - t0
      },
    }
    for (const tier of ['docker', 'gvisor']) {
      const rt = RUNTIMES[tier]
      const f = `ct.floor.${rt}`
      const manager = () => ctx.tiers[tier].manager
      fns[`ct.${tier}.cold`] = () => coldStartSamples(manager(), tier, `ct.${tier}.cold`)
      fns[`ct.${tier}.nopool`] = async () => (await coldStart(noPool[tier], tier)).total
      const warm = (request, expected) => () =>
        timedExecute(manager(), live.ids[tier][0], request, expected, `${tier} warm`)
      fns[`ct.${tier}.warm`] = warm(TRIVIAL[tier].request)
      fns[`ct.${tier}.warm-js`] = warm('1+1', 2)
      fns[`${f}.create-start-exec`] = async () => {
        const t0 = performance.now()
        const c = await ctx.register.create(rt)
        const t1 = performance.now()
        await c.start()
        const t2 = performance.now()
        await dockerodeExec(c, ['true'])
        const t3 = performance.now()
        await ctx.register.remove(c)
        return {
          [`${f}.create-start-exec`]: t3 - t0,
          [`${f}.create`]: t1 - t0,
          [`${f}.create-start`]: t2 - t0,
        }
      }
      const timed = (fn) => async () => {
        const t0 = performance.now()
        await fn()
        return performance.now() - t0
      }
      fns[`${f}.exec`] = timed(() => dockerodeExec(running[rt], ['true']))
      fns[`${f}.exec-node`] = timed(() => dockerodeExec(running[rt], NODE_1_1))
      const runtimeArgs = rt === 'runsc' ? ['--runtime', 'runsc'] : []
      fns[`${f}.cli-run`] = timed(() =>
        sh('docker', ['run', '--rm', '--network', 'none', ...runtimeArgs, IMAGE, 'true']),
      )
    }
    const cases = [...ids].map((id) => ({ id, fn: fns[id] }))
    const outcome = await interleave({
      cases,
      guard,
      rounds: p.rounds,
      warmup: p.warmup,
      progress: ctx.progress,
    })
    for (const [tier, message] of live.failed)
      for (const k of ['warm', 'warm-js']) outcome.errors.set(`ct.${tier}.${k}`, message)
    return {
      rounds: p.rounds,
      warmup: p.warmup,
      image: IMAGE,
      engineRestarts: guard.restarts,
      cases: collect(
        metas.filter((m) => ctx.selected(m.tier)),
        outcome,
        (m) => ctx.skip(m),
      ),
    }
  } finally {
    await live.close()
    await Promise.allSettled(Object.values(noPool).map((m) => m.close()))
    for (const c of Object.values(running)) await ctx.register.remove(c).catch(() => undefined)
  }
}
