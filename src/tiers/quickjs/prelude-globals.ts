/**
 * The 'globals' part of the guest prelude (see prelude.ts, prelude-parts.ts): the web-platform globals Node
 * code expects and QuickJS lacks, written with primordials only. docs/tiers.md lists what QuickJS has, what
 * this part provides and what is left out (`process`, `Buffer` and `require` stay out on purpose: using them
 * moves a run to a container, see capabilities.ts).
 *
 * One part, compiled when the guest first reads one of PROVIDED_GLOBAL_NAMES (see prelude.ts), written in
 * pieces that each hold one concern (prelude-globals-<concern>.ts: text-encoding, base64, clone, events,
 * timing-crypto) and joined into one function body here. This file holds the part's scope (the primordials
 * it uses, shared helpers, DOMException) and its API. `global` (Node's alias of globalThis) is set by the
 * core (prelude.ts).
 */
import { GLOBALS_TEXT_ENCODING } from './prelude-globals-text-encoding.js'
import { GLOBALS_BASE64 } from './prelude-globals-base64.js'
import { GLOBALS_CLONE } from './prelude-globals-clone.js'
import { GLOBALS_EVENTS } from './prelude-globals-events.js'
import { GLOBALS_TIMING_CRYPTO } from './prelude-globals-timing-crypto.js'

/** The names the globals part provides (its `globals` object's keys), known before it is compiled. */
export const PROVIDED_GLOBAL_NAMES: readonly string[] = [
  'structuredClone',
  'TextEncoder',
  'TextDecoder',
  'atob',
  'btoa',
  'DOMException',
  'Event',
  'EventTarget',
  'AbortController',
  'AbortSignal',
  'performance',
  'crypto',
  'setImmediate',
  'clearImmediate',
]

/** The part's scope: the primordials it uses, the helpers every piece calls and DOMException. */
const HEAD = String.raw`
(function (P, part) {
  'use strict'
  const apply = P.apply, StringCtor = P.StringCtor, TypeErrorCtor = P.TypeErrorCtor
  const Uint8 = P.typedArrays.Uint8Array
  const timers = part('timers')

  function list() { const a = []; P.setProto(a, null); return a }
  function push(a, v) { a[a.length] = v }
  function code(s, i) { return apply(P.strCharCodeAt, s, [i]) }
  function dataValue(o, key) {
    if (o === null || (typeof o !== 'object' && typeof o !== 'function')) return undefined
    const d = P.getDesc(o, key)
    return d !== undefined && P.hasOwn(d, 'value') ? d.value : undefined
  }
  // A string from UTF-16 code units, in chunks (fromCharCode takes its units as arguments).
  function fromCodes(units) {
    let s = ''
    for (let i = 0; i < units.length; i += 8192) {
      const chunk = list()
      for (let j = i; j < units.length && j < i + 8192; j++) push(chunk, units[j])
      s += apply(P.fromCharCode, undefined, chunk)
    }
    return s
  }

  const LEGACY_CODES = { IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12,
    InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18,
    NetworkError: 19, AbortError: 20, URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23,
    InvalidNodeTypeError: 24, DataCloneError: 25 }
  P.setProto(LEGACY_CODES, null)
  class DOMException extends P.ErrorCtor {
    constructor(message, options) {
      super(message === undefined ? '' : StringCtor(message))
      const name = typeof options === 'object' && options !== null ? dataValue(options, 'name') : options
      P.defineProp(this, 'name', P.dataDesc(name === undefined ? 'Error' : StringCtor(name), false))
    }
    get code() { return LEGACY_CODES[this.name] || 0 }
  }
`

/** The part's API: the globals by name, and UTF-8 for the url part. */
const TAIL = String.raw`
  return {
    globals: {
      structuredClone: structuredClone, TextEncoder: TextEncoder, TextDecoder: TextDecoder, atob: atob, btoa: btoa,
      DOMException: DOMException, Event: Event, EventTarget: EventTarget, AbortController: AbortController,
      AbortSignal: AbortSignal, performance: performance, crypto: crypto, setImmediate: setImmediate,
      clearImmediate: timers.clear,
    },
    utf8Encode: utf8Encode,
    utf8Decode: function (bytes) { return utf8Decode(bytes, false, freshState(), true) },
  }
})
`

export const GLOBALS =
  HEAD +
  GLOBALS_TEXT_ENCODING +
  GLOBALS_BASE64 +
  GLOBALS_CLONE +
  GLOBALS_EVENTS +
  GLOBALS_TIMING_CRYPTO +
  TAIL
