/**
 * Issue 14 finding 2: the globals Node code expects and QuickJS lacks (structuredClone, TextEncoder /
 * TextDecoder, atob / btoa, URL / URLSearchParams, Event / EventTarget, AbortController, setImmediate,
 * performance, crypto, global) behave as Node's: each program runs on plain Node and on quickjs
 * (node-compat-harness.ts) and must print the same. `process`, `Buffer` and `require` stay out: they mean
 * a container (capabilities.ts).
 */
import { describe, expect, it } from 'vitest'
import { normalize, runOnNode, runOnQuickJs, sameOutcome } from './node-compat-harness.js'
import { useFileManager } from '../../fixtures/sandtier.js'

const PROGRAMS: string[] = [
  'console.log(typeof structuredClone, typeof TextEncoder, typeof URL, typeof atob, typeof setImmediate, typeof performance.now, typeof crypto.randomUUID, typeof AbortController, typeof Event, typeof global, global === globalThis)',
  'const o = { a: 1, d: new Date(0), r: /x/g, m: new Map([[1, { z: 2 }]]), s: new Set([1]), arr: [1, [2]], u8: new Uint8Array([1, 2]) }; o.self = o; const c = structuredClone(o); console.log(c.self === c, c.d.getTime(), c.r.flags, c.m.get(1), c.s.has(1), c.arr, c.u8, c !== o, c.m !== o.m)',
  "try { structuredClone(() => 1) } catch (e) { console.log(e.name, e instanceof DOMException, e.code) }\ntry { structuredClone({ s: Symbol('x') }) } catch (e) { console.log(e.name, e.message) }",
  "class K { constructor() { this.x = 1 } }; const k = structuredClone(new K()); console.log(k, k instanceof K, structuredClone(new Error('boom')).message, structuredClone([1, , 3]))",
  "const enc = new TextEncoder(); console.log(enc.encode('h\u00e9llo \u20ac\ud83d\ude00'), enc.encoding, enc.encode(), enc.encode('\\ud800x'))",
  'const dec = new TextDecoder(); console.log(dec.decode(new Uint8Array([104, 195, 169, 226, 130, 172, 240, 159, 152, 128])), dec.decode(new Uint8Array([0xff, 0x41, 0xe2, 0x82])), dec.encoding, dec.fatal)',
  "try { new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xc3])) } catch (e) { console.log(e.name, e.message) }",
  "const d2 = new TextDecoder(); console.log(d2.decode(new Uint8Array([0xe2, 0x82]), { stream: true }) + '|' + d2.decode(new Uint8Array([0xac])), new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 65]).buffer))",
  "const r = new TextEncoder().encodeInto('a\u20acb', new Uint8Array(3)); console.log(r.read, r.written)",
  "console.log(btoa('hello world'), atob('aGVsbG8gd29ybGQ='), atob(' aGk '), btoa(''), atob(''), btoa('\\xff\\xfe'))",
  "try { btoa('\u20ac') } catch (e) { console.log(e.name, e.message) } try { atob('a') } catch (e) { console.log(e.name, e.message) }",
  "setImmediate((a) => console.log('imm', a), 5); Promise.resolve().then(() => console.log('micro')); new Promise((r) => setTimeout(r, 20))",
  "const ac = new AbortController(); ac.signal.addEventListener('abort', (e) => console.log('aborted', e.type, ac.signal.reason.name)); ac.abort(); console.log(ac.signal.aborted); ac.abort(); const s2 = AbortSignal.abort('why'); console.log(s2.aborted, s2.reason); try { s2.throwIfAborted() } catch (e) { console.log('thrown', e) }",
  "const t = new EventTarget(); const h = (e) => console.log('got', e.type, e.target === t); t.addEventListener('x', h); t.addEventListener('x', h); t.addEventListener('y', h, { once: true }); t.dispatchEvent(new Event('x')); t.dispatchEvent(new Event('y')); t.dispatchEvent(new Event('y')); t.removeEventListener('x', h); console.log(t.dispatchEvent(new Event('x')))",
  "const ev = new Event('z', { cancelable: true }); ev.preventDefault(); console.log(ev.defaultPrevented, ev.type, ev.cancelable, ev.bubbles)",
  'const u = crypto.randomUUID(); console.log(u.length, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u)); const buf = crypto.getRandomValues(new Uint32Array(4)); console.log(buf.length, buf instanceof Uint32Array)',
  'try { crypto.getRandomValues(new Uint8Array(65537)) } catch (e) { console.log(e.name) } try { crypto.getRandomValues(new Float64Array(1)) } catch (e) { console.log(e.name) }',
  'const p0 = performance.now(); console.log(typeof p0, p0 >= 0, performance.now() >= p0, typeof performance.timeOrigin)',
  "for (const [u, b] of [['http://a/^ {}|`\"<>\u00e9?q=^ \\'\"<>\u00e9#f ^{}`\u00e9'], ['HTTP://User:Pa ss@EXAMPLE.com:80/./a/../b/%2e/c?x#y'], ['http://127.1/'], ['http://0x7f.1/'], ['file:///C:/x/../y'], ['file://host/p'], ['mailto:Joe@EXAMPLE.com'], ['data:text/plain,hi there'], ['foo://Host/a/../b'], ['../c?q', 'http://a/b/d/e'], ['//x.com/p', 'https://a/'], ['?z', 'http://a/b?c#d'], ['#h', 'http://a/b?c#d'], ['', 'http://a/b?c#d'], ['http:x', 'http://a/b/c'], ['http:\\\\\\\\a\\\\b'], ['http://a:65536/'], ['http://exa mple.com'], ['http://a%41.com/'], ['http://ex%2fample.com/'], ['non-spec:/a/./b'], ['http://a/b c'], ['https://a.com:443/'], ['http://a.b.c.256/'], ['https://example.com/path/to/page?name=ferret&color=purple#sec'], ['/rel', 'https://x.org/a/b'], ['http://[::1]:3000/x'], ['ws://h:80/'], ['http://a/b/../../..'], ['http://a/b/./'], ['a', 'mailto:x'], ['not a url']]) {\n  try { const x = new URL(u, b); console.log(JSON.stringify([u, x.href, x.origin, x.host, x.hostname, x.port, x.pathname, x.search, x.hash, x.protocol, x.username, x.password])) } catch (e) { console.log(u, 'ERR', e.name, e.code, e.message) }\n}",
  "const p = new URLSearchParams('a=1&b=2+3&c=%zz&d=%E2%82%AC&a=4'); console.log(p.toString(), p.get('b'), p.getAll('a'), p.get('c'), p.get('d'), p.size, [...p.keys()], p.has('a'), p.has('a', '9'), p.get('nope'));\np.append('sp ace', 'x&y=z~*\\'()!'); console.log(p.toString()); p.sort(); console.log(String(p)); p.delete('a'); console.log(p + ''); console.log(new URLSearchParams({ x: 1, y: '\u00e9' }).toString(), new URLSearchParams([['k', 'v']]).toString(), [...new URLSearchParams('q=1&r=2')])\np.forEach((v, k) => console.log(k, '=', v)); p.set('b', 'new'); console.log(p.toString())",
  "const u = new URL('http://a.com/p?x=1'); u.searchParams.append('y', '2 3'); console.log(u.href); u.search = '?z=9'; console.log(u.searchParams.get('z')); u.pathname = '/a b?c'; u.hash = 'h h'; u.port = '8080'; u.hostname = 'B.com'; u.username = 'us er'; u.password = 'p@ss'; console.log(u.href, u.toString(), JSON.stringify(u), String(u)); u.href = 'https://n.org/'; console.log(u.host, URL.canParse('x'), URL.canParse('x', 'http://a'))",
  "const u2 = new URL('https://ex.com/?a=1'); u2.searchParams.delete('a'); console.log(u2.href, u2.search); u2.protocol = 'http'; u2.port = '80'; console.log(u2.href); u2.host = 'h.com:99'; console.log(u2.href)",
]

const { manager } = useFileManager({ tiers: { quickjs: { workers: 1, spareWorkers: 1 } } })

describe('I14-2: provided globals behave as on Node', () => {
  it.each(PROGRAMS.map((code, i) => [i, code] as const))('program %i', async (_i, code) => {
    const node = await runOnNode(code)
    const quickjs = await runOnQuickJs(manager, code)
    expect(node.verdict).toBe('ok')
    expect(sameOutcome(node, quickjs) ? normalize(quickjs.stdout) : quickjs).toBe(
      normalize(node.stdout),
    )
  })

  it('AbortSignal.timeout aborts with a TimeoutError within the run', async () => {
    const r = await manager.runOnce(
      { type: 'quickjs' },
      "const s = AbortSignal.timeout(10); await new Promise((r) => s.addEventListener('abort', r)); [s.aborted, s.reason.name]",
    )
    expect(r.value).toEqual([true, 'TimeoutError'])
  })

  it('process and Buffer are not globals (they are container capabilities); require serves fs only', async () => {
    const r = await manager.runOnce(
      { type: 'quickjs' },
      "[typeof globalThis['process'], typeof globalThis['Buffer'], typeof require('fs').readFileSync]",
    )
    expect(r.value).toEqual(['undefined', 'undefined', 'function'])
  })

  it('crypto.getRandomValues draws fresh bytes each time and refuses more than 65536', async () => {
    const r = await manager.runOnce(
      { type: 'quickjs' },
      `const a = crypto.getRandomValues(new Uint8Array(32)).join(), b = crypto.getRandomValues(new Uint8Array(32)).join()
       let refused = ''
       try { crypto.getRandomValues(new Uint8Array(65537)) } catch (e) { refused = e.name }
       [a !== b, a.split(',').length, refused]`,
    )
    expect(r.value).toEqual([true, 32, 'QuotaExceededError'])
  })
})
