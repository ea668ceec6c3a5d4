// sandtier egress for node: loaded with `--import` (NODE_OPTIONS) in sandboxes that have network egress, so
// every node process, the harness and any `node` a guest starts, talks through the host's egress proxy.
// Node 20's built-in fetch ignores HTTP_PROXY, so this installs a fetch over http/https through the proxy,
// plus proxy agents as http.globalAgent and https.globalAgent. Refusals throw like in the in-process tiers:
// { name: 'PolicyDeniedError', reason, message: 'Network request denied: <reason>' }. Redirects are followed
// here, at most 5, each hop a new request that the proxy checks again; a refused hop is `redirect_blocked`.
import http from 'node:http'
import https from 'node:https'
import { Readable } from 'node:stream'
import {
  DENIED_HEADER,
  ERROR_HEADER,
  ProxyHttpAgent,
  TunnelHttpsAgent,
  directAgent,
  policyError,
  proxyFailure,
  proxyFromEnv,
} from './egress-agents.mjs'

const MAX_REDIRECTS = 5
const REDIRECTS = new Set([301, 302, 303, 307, 308])
const NULL_BODY = new Set([101, 204, 205, 304])
const CREDENTIAL_HEADERS = ['authorization', 'cookie']
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location']

function readAll(stream) {
  return new Promise((resolve, reject) => {
    const chunks = []
    stream.on('data', (chunk) => chunks.push(chunk))
    stream.on('end', () => resolve(Buffer.concat(chunks).toString()))
    stream.on('error', reject)
  })
}

// One hop: http goes to the proxy in absolute form, https through a CONNECT tunnel.
function send(proxy, agents, url, hop, signal) {
  const isHttps = url.protocol === 'https:'
  const headers = { ...hop.headers }
  const options = isHttps
    ? {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || 443,
        path: url.pathname + url.search,
        agent: agents.https,
      }
    : { host: proxy.host, port: proxy.port, path: url.href, agent: directAgent(), setHost: false }
  if (!isHttps) headers.host = url.host || 'sandtier.invalid'
  return new Promise((resolve, reject) => {
    const req = (isHttps ? https : http).request({
      ...options,
      method: hop.method,
      headers,
      signal,
    })
    req.on('response', resolve)
    req.on('error', reject)
    req.end(hop.body)
  })
}

function toResponse(res, url, redirected, method) {
  const headers = new Headers()
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
    headers.append(res.rawHeaders[i], res.rawHeaders[i + 1])
  const hasBody = method !== 'HEAD' && !NULL_BODY.has(res.statusCode)
  if (!hasBody) res.resume()
  const response = new Response(hasBody ? Readable.toWeb(res) : null, {
    status: res.statusCode,
    statusText: res.statusMessage,
    headers,
  })
  Object.defineProperty(response, 'url', { value: url.href })
  Object.defineProperty(response, 'redirected', { value: redirected })
  return response
}

function nextHop(hop, status, from, to) {
  const headers = { ...hop.headers }
  const toGet =
    (status === 303 && hop.method !== 'HEAD') ||
    ((status === 301 || status === 302) && hop.method === 'POST')
  if (toGet) for (const name of BODY_HEADERS) delete headers[name]
  if (from.origin !== to.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name]
  return toGet ? { method: 'GET', headers, body: undefined } : { ...hop, headers }
}

/** A fetch whose every request goes through the egress proxy. */
export function createProxyFetch(proxy) {
  const agents = { https: new TunnelHttpsAgent(proxy) }
  return async function fetch(input, init = undefined) {
    const href =
      input instanceof Request ? input.url : String(input instanceof URL ? input.href : input)
    let url
    try {
      url = new URL(href)
    } catch {
      throw policyError('invalid_url')
    }
    // Nothing but http and https has a way out (data:, file:, blob: … never reach the network here).
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw policyError('scheme_not_allowed')
    // The proxy sees an http URL whole and refuses credentials in it itself; a CONNECT carries only
    // host:port, so for https the same rule is applied here.
    if (url.protocol === 'https:' && (url.username !== '' || url.password !== ''))
      throw policyError('credentials_in_url')
    // Request validates method, headers, body and signal as the built-in fetch does; the URL is kept aside
    // because Request refuses credentials that the policy must see (and refuse) itself.
    const template = new Request(
      input instanceof Request ? input : 'http://sandtier.invalid/',
      init,
    )
    const body = template.body === null ? undefined : Buffer.from(await template.arrayBuffer())
    let hop = { method: template.method, headers: Object.fromEntries(template.headers), body }
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined)
    for (let redirects = 0; ; redirects++) {
      const res = await send(proxy, agents, url, hop, signal).catch((error) => {
        if (error?.name === 'PolicyDeniedError' && redirects > 0)
          throw policyError('redirect_blocked')
        throw error
      })
      if (
        typeof res.headers[DENIED_HEADER] === 'string' ||
        typeof res.headers[ERROR_HEADER] === 'string'
      ) {
        const failure = proxyFailure(res.headers, await readAll(res))
        throw failure.name === 'PolicyDeniedError' && redirects > 0
          ? policyError('redirect_blocked')
          : failure
      }
      const location = res.headers.location
      if (
        !REDIRECTS.has(res.statusCode) ||
        location === undefined ||
        template.redirect === 'manual'
      )
        return toResponse(res, url, redirects > 0, hop.method)
      res.resume()
      if (template.redirect === 'error')
        throw new TypeError('fetch failed: redirect mode is "error"')
      if (redirects + 1 > MAX_REDIRECTS) throw policyError('too_many_redirects')
      let next
      try {
        next = new URL(location, url)
      } catch {
        throw policyError('redirect_blocked')
      }
      // An https → http hop would let a network attacker read and rewrite what https protected.
      if (url.protocol === 'https:' && next.protocol !== 'https:')
        throw policyError('redirect_blocked')
      hop = nextHop(hop, res.statusCode, url, next)
      url = next
    }
  }
}

/** Installs the proxy fetch and agents when HTTP_PROXY names the egress proxy. */
export function installEgress(env = process.env) {
  const proxy = proxyFromEnv(env)
  if (proxy === undefined) return
  http.globalAgent = new ProxyHttpAgent(proxy)
  https.globalAgent = new TunnelHttpsAgent(proxy)
  Object.defineProperty(globalThis, 'fetch', {
    value: createProxyFetch(proxy),
    writable: true,
    configurable: true,
    enumerable: true,
  })
}

installEgress()
