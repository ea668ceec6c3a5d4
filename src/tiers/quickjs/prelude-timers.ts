/**
 * The 'timers' part of the guest prelude (see prelude.ts, prelude-parts.ts): setTimeout, setInterval and
 * clearTimeout of the current run. The worker arms each timer (the setTimer native, at most
 * MAX_PENDING_TIMERS) and calls `fire` when it is due.
 */
import { MAX_PENDING_TIMERS } from './run-state.js'

export const TIMERS = String.raw`
(function (P) {
  'use strict'
  const apply = P.apply
  const timers = new P.MapCtor()
  let nextTimer = 1
  function set(fn, ms, args, repeat) {
    if (typeof fn !== 'function') throw new P.TypeErrorCtor('callback must be a function')
    const id = nextTimer++
    const delay = P.isFiniteNumber(ms) && ms > 0 ? ms : 0
    if (!P.native.setTimer(id, delay))
      throw new P.RangeErrorCtor('too many pending timers (at most ${MAX_PENDING_TIMERS})')
    const t = P.create(null)
    t.fn = fn
    t.args = args
    t.repeat = repeat
    t.delay = delay
    apply(P.mapSet, timers, [id, t])
    return id
  }
  return {
    setTimeout: function (fn, ms) { return set(fn, ms, apply(P.arrSlice, arguments, [2]), false) },
    setInterval: function (fn, ms) { return set(fn, ms, apply(P.arrSlice, arguments, [2]), true) },
    clear: function (id) { if (apply(P.mapDelete, timers, [id])) P.native.clearTimer(id) },
    fire: function (id) {
      const t = apply(P.mapGet, timers, [id])
      if (!t) return
      if (t.repeat) P.native.setTimer(id, t.delay)
      else apply(P.mapDelete, timers, [id])
      apply(t.fn, undefined, t.args)
    },
    clearAll: function () { apply(P.mapClear, timers, []) },
  }
})
`
