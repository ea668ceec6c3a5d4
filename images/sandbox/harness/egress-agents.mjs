// sandtier egress agents: make node's http and https modules go through the sandbox's egress proxy (the
// container has no network but loopback). http: the request line carries the absolute URL and the connection
// goes to the proxy. https: a CONNECT tunnel to the proxy, then TLS inside it with the real host name (SNI and
// certificate checks as usual). No keep-alive, so every request is one request (or one tunnel) at the proxy.
import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import tls from 'node:tls'

// Connections to the proxy itself. Not `agent: false`: that builds a `new globalAgent.constructor()`.
const DIRECT = new http.Agent({ keepAlive: false })

/** Marker headers the host proxy sets on its own refusals and failures. */
export const DENIED_HEADER = 'x-sandtier-denied'
export const ERROR_HEADER = 'x-sandtier-error'

/** The error a guest sees for a refusal, shaped like the in-process tiers' (name, code, reason, message). */
export function policyError(reason) {
  const error = new TypeError('Network request denied: ' + reason)
  error.name = 'PolicyDeniedError'
  error.code = 'ERR_POLICY_DENIED'
  error.reason = reason
  return error
}

/** The error for a proxy failure reply: its JSON body has { error, reason, message }, all guest-safe. */
export function proxyFailure(headers, body) {
  const denied = headers[DENIED_HEADER]
  if (typeof denied === 'string') return policyError(denied)
  let parsed
  try {
    parsed = JSON.parse(body) ?? {}
  } catch {
    parsed = {}
  }
  const error = new TypeError(typeof parsed.message === 'string' ? parsed.message : 'fetch failed')
  error.name = typeof parsed.error === 'string' ? parsed.error : 'TypeError'
  error.code = error.name === 'ResourceExceededError' ? 'ERR_RESOURCE_EXCEEDED' : 'ERR_NETWORK'
  error.reason = String(headers[ERROR_HEADER] ?? 'network_error')
  return error
}

function authority(host, port) {
  const name = String(host).replace(/^\[|\]$/g, '')
  return (isIP(name) === 6 ? '[' + name + ']' : name) + ':' + port
}

/** The agent for requests to the proxy itself. */
export function directAgent() {
  return DIRECT
}

/**
 * http.Agent whose requests go to the proxy in absolute form. Without `proxy` (what `agent: false` builds)
 * it reads HTTP_PROXY, so guest code that asks for a fresh agent still goes through the proxy.
 */
export class ProxyHttpAgent extends http.Agent {
  constructor(proxy = proxyFromEnv()) {
    super({ keepAlive: false })
    this.proxy = proxy
  }

  addRequest(req, options) {
    if (!/^[a-z][a-z0-9+.-]*:/i.test(req.path)) {
      const target =
        'http://' + authority(options.host ?? 'localhost', options.port ?? 80) + req.path
      // Headers stored early (array headers, Expect) already hold the request line: rewrite it there too.
      if (typeof req._header === 'string')
        req._header = req._header.replace(/^(\S+) \S+ /, (_, method) => method + ' ' + target + ' ')
      req.path = target
    }
    super.addRequest(req, { ...options, host: this.proxy.host, port: this.proxy.port })
  }
}

/**
 * Opens a CONNECT tunnel through the proxy; resolves with the raw socket, or rejects with the proxy's
 * refusal as a policy error.
 */
export function openTunnel(proxy, host, port) {
  const target = authority(host, port)
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: proxy.host,
      port: proxy.port,
      method: 'CONNECT',
      path: target,
      headers: { host: target },
      agent: DIRECT,
    })
    req.once('connect', (res, socket, head) => {
      if (res.statusCode === 200) {
        if (head.length > 0) socket.unshift(head)
        return resolve(socket)
      }
      const chunks = [head]
      socket.on('data', (chunk) => chunks.push(chunk))
      socket.once('close', () =>
        reject(proxyFailure(res.headers, Buffer.concat(chunks).toString())),
      )
      socket.once('error', () => undefined)
    })
    req.once('error', reject)
    req.end()
  })
}

/** https.Agent whose connections are TLS inside a CONNECT tunnel through the proxy (see ProxyHttpAgent). */
export class TunnelHttpsAgent extends https.Agent {
  constructor(proxy = proxyFromEnv()) {
    super({ keepAlive: false })
    this.proxy = proxy
  }

  // The callback form: Node's Agent waits for `callback` when this returns nothing.
  createConnection(options, callback) {
    const host = String(options.host ?? 'localhost').replace(/^\[|\]$/g, '')
    openTunnel(this.proxy, host, options.port ?? 443).then(
      (socket) => {
        const servername = options.servername ?? (isIP(host) === 0 ? host : undefined)
        const secure = tls.connect({ ...options, socket, host, servername })
        callback(null, secure)
      },
      (error) => callback(error),
    )
    return undefined
  }
}

/** The proxy address from HTTP_PROXY (http://127.0.0.1:3128), or undefined. */
export function proxyFromEnv(env = process.env) {
  const value = env.HTTP_PROXY || env.http_proxy
  if (!value) return undefined
  const url = new URL(value)
  return { host: url.hostname, port: Number(url.port || 80) }
}
