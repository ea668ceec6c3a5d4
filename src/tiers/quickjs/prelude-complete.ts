/**
 * The 'complete' part of the guest prelude (see prelude.ts, prelude-parts.ts): runs after user code, awaits
 * its value (or calls a module's default export with the input) and hands it to the host as tagged text.
 */

export const COMPLETE = String.raw`
(function (P, part) {
  'use strict'
  const copy = part('copy'), describe = part('describe')

  // The value as tagged text: 'u' for undefined, 'v' + its JSON, 'o' when its JSON is longer than maxChars
  // (the host's output cap: refused without building it), 'e' + the description of an error.
  function serialize(v, maxChars) {
    let json
    switch (typeof v) {
      case 'undefined': return 'u'
      case 'string':
        if (v.length > maxChars) return 'o'
        json = P.stringify(v)
        break
      case 'boolean': json = v ? 'true' : 'false'; break
      case 'number': json = P.isFiniteNumber(v) ? P.stringify(v) : 'null'; break
      default: json = v === null ? 'null' : copy.serialize(v, maxChars)
    }
    if (json === undefined) return 'u'
    return json === null || json.length > maxChars ? 'o' : 'v' + json
  }

  // Runs after user code: awaits the value (or calls the default export with input) and serializes it.
  // An async function: its promise is the intrinsic one whatever the guest did to Promise, and it never
  // rejects unless describing the error itself fails (out of memory), which the worker handles.
  async function complete(value, mode, maxChars) {
    try {
      // The evaluation's own promise (async script, module): pinned, so awaiting it calls no guest then.
      if (mode !== 'script' && P.getProto(value) === P.PromiseProto && P.isExtensible(value)) P.pin(value)
      let v = await value
      // QuickJS's async global eval resolves to { value: completion }
      if (mode === 'async-script') v = await v.value
      else if (mode === 'module') {
        const ns = v
        if ('default' in ns) {
          const d = ns.default
          v = await (typeof d === 'function' ? d(P.G.input) : d)
        } else v = await ('__st_last' in ns ? ns.__st_last : undefined)
      }
      return serialize(v, maxChars)
    } catch (e) {
      return 'e' + describe.describe(e)
    }
  }
  return { complete: complete }
})
`
