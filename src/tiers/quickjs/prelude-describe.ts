/**
 * The 'describe' part of the guest prelude (see prelude.ts, prelude-parts.ts): a thrown guest value as the
 * JSON of its name, message and stack, each clipped inside the guest to what the host reads
 * (bounded-read.ts).
 */
import { ERROR_MESSAGE_CHARS, ERROR_NAME_CHARS, ERROR_STACK_CHARS } from './bounded-read.js'

export const DESCRIBE = String.raw`
(function (P, part) {
  'use strict'
  const clip = P.clip
  // String(x) runs the guest's toString for an object: guest code, inside the try below.
  function text(s, max) { return clip(P.StringCtor(s), max) }
  return { describe: function (e) {
    let name = 'Error', message = '', stack = ''
    try {
      if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
        name = text(e.name === undefined ? 'Error' : e.name, ${ERROR_NAME_CHARS})
        message = text(e.message === undefined ? '' : e.message, ${ERROR_MESSAGE_CHARS})
        stack = e.stack === undefined ? '' : text(e.stack, ${ERROR_STACK_CHARS})
      } else {
        const shown = typeof e === 'string' ? e : part('console').inspect(e, ${ERROR_MESSAGE_CHARS})
        message = 'Uncaught ' + clip(shown, ${ERROR_MESSAGE_CHARS})
      }
    } catch (inner) {
      name = 'Error'
      message = 'unreadable thrown value'
      stack = ''
    }
    // Built from stringified strings: QuickJS's JSON.stringify of an object keeps its stack in an array,
    // whose index setters the guest can define on Array.prototype; a string needs no array.
    return '{"name":' + P.stringify(name) + ',"message":' + P.stringify(message) + ',"stack":' + P.stringify(stack) + '}'
  } }
})
`
