/**
 * Event, EventTarget, AbortController and AbortSignal (abort, timeout, any): one target, no propagation
 * path, listeners with once and signal.
 *
 * A piece of the 'globals' part's function body (prelude-globals.ts joins the pieces in order, into one
 * part compiled on first use): the helpers, primordials and DOMException of that file, and the functions of
 * the other pieces, are in scope.
 */
export const GLOBALS_EVENTS = String.raw`
  let setTarget, setCurrent, isStopped
  class Event {
    #type
    #bubbles
    #cancelable
    #defaultPrevented = false
    #target = null
    #currentTarget = null
    #stopped = false
    #timeStamp
    static {
      setTarget = function (e, t) { e.#target = t }
      setCurrent = function (e, t) { e.#currentTarget = t }
      isStopped = function (e) { return e.#stopped }
    }
    constructor(type, init) {
      if (arguments.length === 0) throw new TypeErrorCtor('The "type" argument must be specified')
      this.#type = StringCtor(type)
      this.#bubbles = !!dataValue(init, 'bubbles')
      this.#cancelable = !!dataValue(init, 'cancelable')
      this.#timeStamp = now()
    }
    get type() { return this.#type }
    get bubbles() { return this.#bubbles }
    get cancelable() { return this.#cancelable }
    get defaultPrevented() { return this.#cancelable && this.#defaultPrevented }
    get target() { return this.#target }
    get currentTarget() { return this.#currentTarget }
    get srcElement() { return this.#target }
    get timeStamp() { return this.#timeStamp }
    get isTrusted() { return false }
    get eventPhase() { return this.#currentTarget === null ? 0 : 2 }
    composedPath() { return this.#currentTarget === null ? [] : [this.#currentTarget] }
    preventDefault() { this.#defaultPrevented = true }
    stopPropagation() {}
    stopImmediatePropagation() { this.#stopped = true }
  }
  class EventTarget {
    #listeners = new P.MapCtor()
    addEventListener(type, listener, options) {
      if (listener === null || listener === undefined) return
      type = StringCtor(type)
      const once = typeof options === 'object' && options !== null && !!dataValue(options, 'once')
      const signal = typeof options === 'object' && options !== null ? dataValue(options, 'signal') : undefined
      let entries = apply(P.mapGet, this.#listeners, [type])
      if (entries === undefined) apply(P.mapSet, this.#listeners, [type, entries = list()])
      for (let i = 0; i < entries.length; i++) if (entries[i].listener === listener) return
      const entry = P.create(null)
      entry.listener = listener
      entry.once = once
      push(entries, entry)
      if (signal !== undefined && signal !== null) {
        const target = this
        if (signal.aborted) this.removeEventListener(type, listener)
        else signal.addEventListener('abort', function () { target.removeEventListener(type, listener) }, { once: true })
      }
    }
    removeEventListener(type, listener) {
      const entries = apply(P.mapGet, this.#listeners, [StringCtor(type)])
      if (entries === undefined) return
      for (let i = 0; i < entries.length; i++) {
        if (entries[i].listener !== listener) continue
        entries[i].removed = true
        for (let j = i; j < entries.length - 1; j++) entries[j] = entries[j + 1]
        entries.length = entries.length - 1
        return
      }
    }
    dispatchEvent(event) {
      if (!(P.getProto(event) !== null && isEvent(event))) throw new TypeErrorCtor('The "event" argument must be an instance of Event')
      setTarget(event, this)
      setCurrent(event, this)
      const entries = apply(P.mapGet, this.#listeners, [event.type])
      if (entries !== undefined) {
        const snapshot = list()
        for (let i = 0; i < entries.length; i++) push(snapshot, entries[i])
        for (let i = 0; i < snapshot.length && !isStopped(event); i++) {
          const entry = snapshot[i]
          if (entry.removed) continue
          if (entry.once) this.removeEventListener(event.type, entry.listener)
          const l = entry.listener
          if (typeof l === 'function') apply(l, this, [event])
          else if (typeof l.handleEvent === 'function') apply(l.handleEvent, l, [event])
        }
      }
      setCurrent(event, null)
      return !event.defaultPrevented
    }
  }
  function isEvent(e) {
    try { isStopped(e); return true } catch (x) { return false }
  }

  let makeSignal, abortSignal
  class AbortSignal extends EventTarget {
    #aborted = false
    #reason = undefined
    static {
      makeSignal = function () { return new AbortSignal(makeSignal) }
      abortSignal = function (s, reason) {
        if (s.#aborted) return
        s.#aborted = true
        s.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason
        const event = new Event('abort')
        const handler = dataValue(s, 'onabort')
        if (typeof handler === 'function') apply(handler, s, [event])
        s.dispatchEvent(event)
      }
    }
    constructor(key) {
      if (key !== makeSignal) throw new TypeErrorCtor('Illegal constructor')
      super()
    }
    get aborted() { return this.#aborted }
    get reason() { return this.#reason }
    throwIfAborted() { if (this.#aborted) throw this.#reason }
    static abort(reason) {
      const s = makeSignal()
      abortSignal(s, reason)
      return s
    }
    static timeout(ms) {
      const s = makeSignal()
      const args = list()
      push(args, function () { abortSignal(s, new DOMException('The operation was aborted due to timeout', 'TimeoutError')) })
      push(args, ms)
      apply(timers.setTimeout, undefined, args)
      return s
    }
    static any(signals) {
      const s = makeSignal()
      const all = list()
      for (const x of signals) push(all, x)
      for (let i = 0; i < all.length; i++) if (all[i].aborted) { abortSignal(s, all[i].reason); return s }
      for (let i = 0; i < all.length; i++) {
        const source = all[i]
        source.addEventListener('abort', function () { abortSignal(s, source.reason) }, { once: true })
      }
      return s
    }
  }
  class AbortController {
    #signal = makeSignal()
    get signal() { return this.#signal }
    abort(reason) { abortSignal(this.#signal, reason) }
  }
`
