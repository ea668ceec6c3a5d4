/**
 * Other sessions on this machine restart dockerd (their engine-restart tests, engine-up.sh). A restart stops
 * every container, so long-lived sandboxes and floor containers die mid-series. The guard notices a restart
 * (the engine socket is a new file), waits for the engine, rebuilds the section's long-lived state, and
 * classifies the failures that happened meanwhile as interruptions (reported apart, never as our errors).
 */
import { statSync } from 'node:fs'

function socketPath() {
  const host = process.env.DOCKER_HOST
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock'
}

/** Identity of the running engine: the socket's inode and mtime change when dockerd restarts. */
export function engineEpoch() {
  try {
    const st = statSync(socketPath())
    return `${st.ino}-${st.mtimeMs}`
  } catch {
    return 'down'
  }
}

/**
 * @param setup async () => void, (re)creates the long-lived sandboxes and containers of a section
 * @returns { start, beforeRound, classify(error) → 'interruption' | 'failure', restarts }
 */
export function engineGuard(ctx, setup) {
  const guard = {
    epoch: engineEpoch(),
    restarts: 0,
    /** The first set-up, retried (up to 3 times) when the engine restarts while it runs. */
    async start() {
      for (let attempt = 1; ; attempt++) {
        if (ctx.engine.up) await ctx.waitEngine()
        const before = engineEpoch()
        try {
          await setup()
        } catch (error) {
          if (attempt >= 3 || (await guard.classify(error)) === 'failure') throw error
        }
        if (engineEpoch() === before) {
          guard.epoch = before
          return
        }
        if (attempt >= 3) return
        guard.restarts++
      }
    },
    async beforeRound() {
      if (!ctx.engine.up) return
      await ctx.waitEngine()
      const now = engineEpoch()
      if (now === guard.epoch) return
      guard.restarts++
      ctx.log(`engine restarted by someone else: rebuilding the section's sandboxes and containers`)
      await setup()
      guard.epoch = now
    },
    async classify() {
      if (!ctx.engine.up) return 'failure'
      const before = guard.epoch
      await ctx.waitEngine().catch(() => undefined)
      return engineEpoch() !== before ? 'interruption' : 'failure'
    },
  }
  return guard
}
