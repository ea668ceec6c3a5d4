/**
 * Issue 12 finding 6: the guest rewrites the intrinsics the quickjs prelude uses (Promise, String, Array,
 * RegExp, Map, Set, JSON, Function, Error…). The prelude captured its own copies before any guest code
 * ran, so after each rewrite console, the value, host functions and fetch still work, an error stays
 * bounded, and every outcome is an ExecResult (never a rejection of execute).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SandboxManager, type SandboxConfig } from '../../../src/index.js'

const manager = new SandboxManager({ tiers: { quickjs: { workers: 2, spareWorkers: 1 } } })
let server: Server
let port = 0

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-test': 'yes' })
    res.end('hello')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  await manager.runOnce({ type: 'quickjs' }, '1')
})
afterAll(async () => {
  await manager.close()
  await new Promise((resolve) => server.close(resolve))
})

const config = (): SandboxConfig => ({
  type: 'quickjs',
  networkEnabled: true,
  allowedDomains: [`api.allowed.test:${port}`],
  network: {
    allowedPorts: [port],
    allowPrivateCidrs: ['127.0.0.0/8'],
    resolve: (host: string) => (host.endsWith('.test') ? ['127.0.0.1'] : []),
  },
  hostFunctions: { echo: (x: unknown) => x },
})

const REWRITES: [string, string][] = [
  ['Promise.prototype.then returns {}', 'Promise.prototype.then = function () { return {} }'],
  [
    'Promise.prototype.then returns a self-returning thenable (was QuickJSUseAfterFree)',
    'Promise.prototype.then = function () { const o = {}; o.then = () => o; return o }',
  ],
  [
    'Promise.prototype.then feeds invalid JSON (was ERR_ENGINE)',
    "const origThen = Promise.prototype.then; Promise.prototype.then = function (f, r) { return origThen.call(this, () => 'garbage{', r) }",
  ],
  ['Promise.resolve', "Promise.resolve = () => ({ then(f) { f('zz') } })"],
  ['Promise.reject', "Promise.reject = () => { throw new Error('reject') }"],
  [
    'Promise.prototype.constructor getter throws',
    "Object.defineProperty(Promise.prototype, 'constructor', { get() { throw new Error('ctor') } })",
  ],
  [
    'Promise[Symbol.species]',
    'Object.defineProperty(Promise, Symbol.species, { get() { return function (e) { e(() => {}, () => {}) } } })',
  ],
  ['String.prototype.slice', "String.prototype.slice = function () { return 'S'.repeat(5e6) }"],
  ['String.prototype.replace', "String.prototype.replace = () => 'R'"],
  ['String.prototype.replaceAll', "String.prototype.replaceAll = () => 'R'"],
  ['String.prototype.indexOf', 'String.prototype.indexOf = () => 0'],
  ['String.prototype.toLowerCase', "String.prototype.toLowerCase = () => 'l'"],
  ['String.prototype.toUpperCase', "String.prototype.toUpperCase = () => 'DELETE'"],
  ['String.prototype[Symbol.replace]', "String.prototype[Symbol.replace] = () => 'R'"],
  ['Array.prototype.push', "Array.prototype.push = () => { throw new Error('push') }"],
  ['Array.prototype.join', "Array.prototype.join = () => 'J'.repeat(5e6)"],
  ['Array.prototype.slice', "Array.prototype.slice = () => { throw new Error('slice') }"],
  [
    'Array.prototype[Symbol.iterator]',
    "Array.prototype[Symbol.iterator] = function () { throw new Error('iter') }",
  ],
  ['RegExp.prototype.test', 'RegExp.prototype.test = () => false'],
  ['RegExp.prototype.exec', "RegExp.prototype.exec = () => { throw new Error('exec') }"],
  ['RegExp.prototype[Symbol.replace]', "RegExp.prototype[Symbol.replace] = () => 'R'"],
  [
    'Map.prototype.get/set/has',
    "Map.prototype.get = Map.prototype.set = Map.prototype.has = () => { throw new Error('map') }",
  ],
  [
    'Set.prototype.add/has/delete',
    "Set.prototype.add = Set.prototype.has = Set.prototype.delete = () => { throw new Error('set') }",
  ],
  ['JSON.stringify', "JSON.stringify = () => 'garbage{'"],
  ['JSON.parse', "JSON.parse = () => { throw new Error('parse') }"],
  [
    'Function.prototype.call/apply',
    "Function.prototype.call = Function.prototype.apply = () => { throw new Error('call') }",
  ],
  ['Reflect.apply', "Reflect.apply = () => { throw new Error('apply') }"],
  ['Object.keys', "Object.keys = () => { throw new Error('keys') }"],
  ['Object.defineProperty', "Object.defineProperty = () => { throw new Error('define') }"],
  ['Object.prototype.toJSON', "Object.prototype.toJSON = () => 'hacked'"],
  ['an inherited get (descriptor poisoning)', 'Object.prototype.get = function () { return 1 }'],
  [
    'Error[Symbol.hasInstance]',
    "Object.defineProperty(Error, Symbol.hasInstance, { value: () => { throw new Error('hi') } })",
  ],
  [
    'getters on Error.prototype',
    "for (const k of ['name', 'message', 'stack']) Object.defineProperty(Error.prototype, k, { get() { return k[0].repeat(5e6) } })",
  ],
  ['globalThis.Promise', "globalThis.Promise = function () { throw new Error('P') }"],
]

describe('I12-6: the prelude does not use what the guest rewrote', () => {
  it.each(REWRITES)(
    '%s: console, value, host function and fetch still work',
    async (_name, rewrite) => {
      const r = await manager.runOnce(
        config(),
        `${rewrite}
        console.log('hi', { a: 1 }, [1, 2])
        const e = await echo({ n: 1 })
        const res = await fetch('http://api.allowed.test:${port}/x', { method: 'post', headers: { 'X-A': 'b' }, body: 'q' })
        const t = await res.text()
        ;({ e: e, t: t, h: res.headers.get('X-Test'), list: [1, 'two'] })`,
      )
      expect(r.error).toBeUndefined()
      expect(r.status).toBe('ok')
      expect(r.stdout).toBe('hi { a: 1 } [ 1, 2 ]\n')
      expect(r.value).toEqual({ e: { n: 1 }, t: 'hello', h: 'yes', list: [1, 'two'] })
    },
  )

  it.each(REWRITES)('%s: a thrown error stays bounded', async (_name, rewrite) => {
    const r = await manager.runOnce(
      config(),
      `${rewrite}
      throw new Error('x'.repeat(5e6))`,
    )
    expect(r.status).toBe('error')
    expect(r.error?.name.length).toBeLessThanOrEqual(201)
    expect(r.error?.message.length).toBeLessThanOrEqual(4097)
    expect(r.error?.stack?.length ?? 0).toBeLessThanOrEqual(8193)
  })

  // QuickJS's own JSON.stringify keeps its nesting stack in an ordinary array, so an index setter on
  // Array.prototype reaches it; the prelude's copy and descriptions avoid it where they can, and where they
  // cannot (the JSON of an object value) the setter's error is the guest's error.
  const INDEX_SETTER =
    "Object.defineProperty(Array.prototype, '0', { set() { throw new Error('set0') } })"

  it('an index setter on Array.prototype: console and error descriptions still work', async () => {
    const r = await manager.runOnce(
      config(),
      `${INDEX_SETTER}; console.log('hi', [1]); throw new Error('m'.repeat(5e6))`,
    )
    expect(r.status).toBe('error')
    expect(r.stdout).toBe('hi [ 1 ]\n')
    expect(r.error?.message).toBe(`${'m'.repeat(4096)}…`)
  })

  it('an index setter on Array.prototype: an object value ends as the guest error it causes', async () => {
    const r = await manager.runOnce(config(), `${INDEX_SETTER}; ({ list: [1] })`)
    expect(r.status).toBe('error')
    expect(r.error?.message).toBe('set0')
  })

  it('a REPL sandbox keeps working after a rewrite: input, timers and queueMicrotask', async () => {
    const id = await manager.createSandbox(config())
    await manager.execute(
      id,
      `Object.prototype.get = function () { return 1 }
       Promise.prototype.then = function () { return {} }
       Map.prototype.get = Map.prototype.set = () => { throw new Error('map') }`,
    )
    const r = await manager.execute(id, {
      code: `let order = []
        queueMicrotask(() => order.push('micro'))
        await new Promise((resolve) => setTimeout(resolve, 5))
        order.push(input.n)
        order`,
      input: { n: 7 },
    })
    expect(r.status).toBe('ok')
    expect(r.value).toEqual(['micro', 7])
    await manager.destroy(id)
  })
})
