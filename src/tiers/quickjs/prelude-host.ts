/**
 * The 'host' part of the guest prelude (see prelude.ts, prelude-parts.ts): the guest side of host function
 * calls and of fetch, whose arguments are copied and bounded in the guest before the hostCall native sees
 * them, and whose replies come back as pinned promises.
 */
import { MAX_HOST_CALL_ARGS_BYTES } from './run-state.js'

export const HOST = String.raw`
(function (P, part) {
  'use strict'
  const apply = P.apply, StringCtor = P.StringCtor, ownKeys = P.ownKeys, copy = part('copy')
  function lower(s) { return apply(P.toLowerCase, StringCtor(s), []) }

  // A host function or fetch: arguments copied and bounded here, synchronously (a value that is not
  // JSON-safe throws at the call, as before), and handed to the native at once, so the guest's heap does
  // not keep their JSON while the call is in flight. Every promise given to the guest is pinned (P.pin):
  // awaiting it works even after the guest broke Promise.prototype.constructor.
  function call(name, args) {
    const json = copy.serialize(args, ${MAX_HOST_CALL_ARGS_BYTES})
    if (json === null)
      throw new P.RangeErrorCtor('host call arguments are larger than ${MAX_HOST_CALL_ARGS_BYTES} bytes')
    return P.pin(receive(P.pin(P.native.hostCall(name, json === undefined ? '[]' : json))))
  }

  // The reply is the host's JSON; its objects inherit the guest's Object.prototype, so read own fields only.
  async function receive(reply) {
    const r = P.parse(await reply)
    if (r.ok) return P.hasOwn(r, 'value') ? r.value : undefined
    const error = r.error
    const e = new P.ErrorCtor(error.message)
    P.defineProp(e, 'name', P.dataDesc(error.name, false))
    if (P.hasOwn(error, 'code')) P.setOwn(e, 'code', error.code)
    if (P.hasOwn(error, 'reason')) P.setOwn(e, 'reason', error.reason)
    throw e
  }

  function makeHeaders(h) {
    const map = new P.MapCtor()
    const keys = ownKeys(h)
    for (let i = 0; i < keys.length; i++) apply(P.mapSet, map, [lower(keys[i]), h[keys[i]]])
    return {
      get: function (k) { const v = apply(P.mapGet, map, [lower(k)]); return v === undefined ? null : v },
      has: function (k) { return apply(P.mapHas, map, [lower(k)]) },
      forEach: function (fn) { apply(P.mapForEach, map, [function (v, k) { fn(v, k) }]) },
      entries: function () { return apply(P.mapEntries, map, []) },
    }
  }

  // The guest gets a small Response-like object. Null prototypes: the guest's Object.prototype setters
  // never see the request being built.
  function fetch(url, init) { return P.pin(fetchResponse(url, init)) }

  async function fetchResponse(url, init) {
    const request = P.create(null)
    request.url = StringCtor(url)
    request.method = 'GET'
    request.headers = P.create(null)
    if (init !== undefined && init !== null) {
      if (init.method !== undefined) request.method = apply(P.toUpperCase, StringCtor(init.method), [])
      if (init.headers !== undefined) {
        const headers = init.headers
        const keys = ownKeys(headers)
        for (let i = 0; i < keys.length; i++) request.headers[keys[i]] = StringCtor(headers[keys[i]])
      }
      if (init.body !== undefined && init.body !== null) request.body = StringCtor(init.body)
    }
    const r = await call('__fetch', [request])
    let used = false
    function take() {
      if (used) throw new P.TypeErrorCtor('body already used')
      used = true
      return r.body
    }
    async function text() { return take() }
    async function json() { return P.parse(take()) }
    return {
      status: r.status, statusText: r.statusText, ok: r.status >= 200 && r.status < 300,
      url: r.url, redirected: !!r.redirected, headers: makeHeaders(r.headers),
      text: function () { return P.pin(text()) },
      json: function () { return P.pin(json()) },
    }
  }

  return { call: call, fetch: fetch }
})
`
