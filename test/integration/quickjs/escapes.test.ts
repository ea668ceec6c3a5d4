import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { useFileManager } from '../../fixtures/sandtier.js'

const { manager, runOnce } = useFileManager()

let hostEvents = 0
const onHostEvent = (): void => {
  hostEvents++
}
beforeEach(() => {
  hostEvents = 0
  process.on('unhandledRejection', onHostEvent)
  process.on('uncaughtException', onHostEvent)
})
afterEach(() => {
  process.off('unhandledRejection', onHostEvent)
  process.off('uncaughtException', onHostEvent)
  expect(hostEvents).toBe(0)
})

describe('quickjs tier: no host object is reachable (SECURITY-CASES a)', () => {
  it.each([
    "this.constructor.constructor('return typeof process')()",
    "(() => {}).constructor('return [typeof module, typeof Buffer, typeof std, typeof os].join()')()",
    "(async () => {}).constructor('return typeof process')().then(v => v)",
    "(function* () {}).constructor('return typeof process')().next().value",
    "typeof this.constructor.constructor('return this')().process",
    'typeof console.log.constructor.constructor("return this")().process',
    'typeof fetch.constructor.constructor("return this")().module',
  ])('%s', async (code) => {
    const r = await runOnce(code)
    expect(r.status).toBe('ok')
    expect(String(r.value)).toMatch(/^undefined(,undefined)*$/)
  })

  it('the global surface is an allowlist', async () => {
    const r = await runOnce('Object.getOwnPropertyNames(globalThis).sort()')
    const names = r.value as string[]
    // `require` is the guest's own (prelude-fs.ts): it serves fs on the sandbox's folder, nothing of the host.
    for (const banned of [
      'process',
      'module',
      'std',
      'os',
      'WebAssembly',
      'Buffer',
      '__st_native',
    ])
      expect(names).not.toContain(banned)
    for (const present of ['console', 'fetch', 'setTimeout', 'input'])
      expect(names).toContain(present)
  })

  it('dynamic import and module imports are refused without touching the host', async () => {
    for (const code of [
      "await import('fs')",
      "await import('/etc/passwd')",
      "import x from './x'; x",
    ]) {
      const r = await runOnce(code)
      expect(r.status).toBe('error')
    }
  })

  it('guest unhandled rejections stay inside the guest', async () => {
    const r = await runOnce(
      "new Promise((_, r) => r(new Error('x'))); (async () => { throw 1 })(); (async function* () { throw 1 })().next(); 'ok'",
    )
    expect(r.status).toBe('ok')
    expect(r.value).toBe('ok')
  })

  it('a hostile then on Promise.prototype is never called by the completion (I12-6)', async () => {
    // The value is awaited with the intrinsic machinery: the guest's looping then getter is not read.
    const r = await runOnce(
      "Object.defineProperty(Promise.prototype, 'then', { get() { for (;;) {} } }); Promise.resolve(1)",
      {
        limits: { executionTime: 300 },
      },
    )
    expect(r.status).toBe('ok')
    expect(r.value).toBe(1)
  })

  it('a thenable with a looping then stops at the deadline', async () => {
    const r = await runOnce('({ then(r) { for (;;) {} } })', { limits: { executionTime: 300 } })
    expect(r.status).toBe('timeout')
  })

  it('stack traces name guest files only', async () => {
    const r = await runOnce('new Error("e").stack')
    expect(r.value).not.toMatch(/node_modules|dist\/|src\/|\.ts|file:/)
  })

  it('sandboxes do not see each other', async () => {
    const a = await manager.createSandbox({ type: 'quickjs' })
    const b = await manager.createSandbox({ type: 'quickjs' })
    await manager.execute(a, "globalThis.secret = 'a'; Object.prototype.polluted = 1")
    const r = await manager.execute(b, '[typeof secret, ({}).polluted]')
    expect(r.value).toEqual(['undefined', null])
    await manager.destroy(a)
    await manager.destroy(b)
  })

  it('a recycled module does not expose a previous sandbox secret', async () => {
    for (let i = 0; i < 4; i++) {
      await runOnce(
        "globalThis.s = 'TOPSECRET-' + 'x'.repeat(64); const b = new Uint8Array(1 << 16); b.fill(0x41); s",
      )
    }
    const r = await runOnce(`
      let found = 0
      for (let i = 0; i < 64; i++) { const b = new Uint8Array(1 << 16); for (let j = 0; j < b.length; j++) if (b[j] !== 0) found++ }
      found`)
    expect(r.value).toBe(0)
  })
})

describe('quickjs tier: host functions', () => {
  it('are called with JSON copies and return JSON copies', async () => {
    const seen: unknown[] = []
    const cfg = { a: 1 }
    const r = await runOnce(
      'const v = await add(2, 3); const c = await getCfg(); c.a = 999; c.__proto__.polluted = 1; [v, c.a]',
      {
        hostFunctions: {
          add: (x, y) => {
            seen.push(x, y)
            return (x as number) + (y as number)
          },
          getCfg: () => cfg,
        },
      },
    )
    expect(r.status).toBe('ok')
    expect(r.value).toEqual([5, 999])
    expect(seen).toEqual([2, 3])
    expect(cfg.a).toBe(1)
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    expect(r.usage.hostCalls).toBe(2)
  })

  it('host errors reach the guest sanitized', async () => {
    const r = await runOnce(
      'try { await leak() } catch (e) { [e.name, e.message, String(e.stack), typeof e.cause, e.constructor.constructor("return typeof process")()] }',
      {
        hostFunctions: {
          leak: () => {
            throw new Error('ECONNREFUSED 10.0.0.5:5432 /srv/app/secrets.json')
          },
        },
      },
    )
    expect(r.status).toBe('ok')
    const text = JSON.stringify(r.value)
    expect(text).not.toMatch(/10\.0\.0\.5|secrets|\/srv/)
    expect((r.value as string[])[4]).toBe('undefined')
  })

  it('concurrent host calls resolve independently (no asyncify suspension)', async () => {
    const r = await runOnce('await Promise.all([slow(30, "a"), slow(10, "b"), slow(20, "c")])', {
      hostFunctions: {
        slow: (ms, v) => new Promise((resolve) => setTimeout(() => resolve(v), ms as number)),
      },
    })
    expect(r.value).toEqual(['a', 'b', 'c'])
  })

  it('cancelling a run aborts host calls in flight', async () => {
    let aborted = false
    const controller = new AbortController()
    const id = await manager.createSandbox({
      type: 'quickjs',
      hostFunctions: {
        wait: function (this: { signal: AbortSignal }) {
          return new Promise((resolve) => {
            this.signal.addEventListener('abort', () => {
              aborted = true
              resolve(null)
            })
          })
        },
      },
    })
    const pending = manager.execute(id, { code: 'await wait()', signal: controller.signal })
    setTimeout(() => controller.abort(), 100)
    const r = await pending
    expect(r.status).toBe('cancelled')
    expect(aborted).toBe(true)
    await manager.destroy(id)
  })

  it('fetch is denied by default, with a generic reason', async () => {
    const r = await runOnce(
      'try { await fetch("http://169.254.169.254/latest") } catch (e) { [e.name, e.message] }',
    )
    expect(r.status).toBe('ok')
    expect((r.value as string[])[0]).toBe('PolicyDeniedError')
    expect(r.usage.deniedRequests).toBe(1)
  })
})
