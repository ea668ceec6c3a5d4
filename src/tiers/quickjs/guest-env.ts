/**
 * The global `env` of a quickjs sandbox with secrets: a frozen object of placeholders by name (`env.API_KEY`),
 * never the values, which stay on the host (the policy swaps them in on the way out). Installed when the
 * context is bound to its sandbox, before any guest code ran in it, so the context's intrinsics are its own;
 * it is then part of the sandbox's state and of its image, like the host functions.
 */
import type { QuickJSContext } from 'quickjs-emscripten'

// Not writable, not configurable, and a frozen null-prototype object: guest code cannot swap a placeholder
// for something else that later code of the same sandbox would read.
const ENV_SOURCE = String.raw`
(function (json) {
  'use strict'
  const names = JSON.parse(json)
  const env = Object.create(null)
  const keys = Object.keys(names)
  for (let i = 0; i < keys.length; i++)
    Object.defineProperty(env, keys[i], { value: String(names[keys[i]]), enumerable: true })
  Object.freeze(env)
  Object.defineProperty(globalThis, 'env', { value: env, writable: false, enumerable: false, configurable: false })
})
`

/** Defines the global `env` in a context no guest code has run in yet. */
export function installGuestEnv(ctx: QuickJSContext, env: Readonly<Record<string, string>>): void {
  const install = ctx.unwrapResult(ctx.evalCode(ENV_SOURCE, 'sandtier-env.js'))
  try {
    ctx
      .newString(JSON.stringify(env))
      .consume((json) => ctx.unwrapResult(ctx.callFunction(install, ctx.undefined, json)).dispose())
  } finally {
    install.dispose()
  }
}
