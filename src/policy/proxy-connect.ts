/**
 * The egress proxy's HTTPS path: `CONNECT host:port`, admitted as `https://host:port/` (URL decision, request
 * budget, DNS checked address by address); then the client's TLS ClientHello must name the same host (SNI),
 * and only then are bytes spliced to the checked address, counted, paced and capped.
 *
 * What a tunnel cannot enforce: it carries TLS, so the proxy never sees the requests inside it. `requests`
 * and `maxRequests` count tunnels; `maxResponseBytes` caps all bytes a tunnel brings in (TLS records
 * included); a tunnel lives at most `requestTimeoutMs` (and never past the run).
 */
import type { IncomingMessage } from 'node:http'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import { PolicyDeniedError, ResourceExceededError } from '../errors.js'
import { parseIpAddress } from './address-check.js'
import { stripBrackets } from './domain-rules.js'
import { openProxyScope, type EgressRun } from './egress-run.js'
import { admitRequest } from './guarded-fetch.js'
import { pinnedLookup } from './http-exchange.js'
import { meteredPipe } from './metered-pipe.js'
import { effectivePort } from './network-policy.js'
import { replyOnSocket } from './proxy-reply.js'
import type { PinnedAddress } from './resolve-pinned.js'
import { parseClientHello } from './tls-client-hello.js'
import { terminateTls } from './proxy-tls.js'

/** Handles one CONNECT end to end; never rejects. */
export async function openTunnel(
  run: EgressRun,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
): Promise<void> {
  let scope: ReturnType<typeof openProxyScope> | undefined
  let established = false
  try {
    scope = openProxyScope(run)
    const target = parseAuthority(run, req.url ?? '')
    const pinned = await admitRequest(run.policy, run.meter, target, false, scope.signal)
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    established = true
    const hello = await readClientHello(client, head, scope.signal)
    checkServerName(run, target, hello.serverName)
    // A host with secrets: the proxy must read the requests to put values in (proxy-tls.ts).
    if (run.ca !== undefined && run.policy.secrets.appliesTo(target))
      await terminateTls(run, run.ca, client, hello.bytes, target, scope.signal)
    else await splice(run, client, hello.bytes, target, pinned, scope.signal)
  } catch (error) {
    // After the 200 the client speaks TLS: a refusal can only close the tunnel.
    if (established) client.destroy()
    else replyOnSocket(client, scope?.signal.aborted === true ? scope.signal.reason : error)
  } finally {
    scope?.close()
  }
}

// `host:port` exactly: a port is required and nothing else (userinfo, path) may ride along.
function parseAuthority(run: EgressRun, authority: string): URL {
  let url: URL | undefined
  try {
    url = new URL(`https://${authority}/`)
  } catch {
    url = undefined
  }
  const hasPort = /:\d{1,5}$/.test(authority)
  if (
    url === undefined ||
    !hasPort ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    run.meter.deniedRequests += 1
    throw new PolicyDeniedError('', 'invalid_url')
  }
  // The URL parser keeps any other port and drops only 443, the https default: the port asked for.
  return url
}

interface Hello {
  bytes: Buffer
  serverName: string | undefined
}

function readClientHello(client: Duplex, head: Buffer, signal: AbortSignal): Promise<Hello> {
  return new Promise<Hello>((resolve, reject) => {
    let buffered = head
    const finish = (error: unknown, hello?: Hello): void => {
      client.off('data', onData)
      client.off('close', onClose)
      signal.removeEventListener('abort', onAbort)
      client.pause()
      if (hello !== undefined) resolve(hello)
      else reject(error instanceof Error ? error : new Error(String(error)))
    }
    const check = (): void => {
      const parsed = parseClientHello(buffered)
      if (parsed.kind === 'hello')
        finish(undefined, { bytes: buffered, serverName: parsed.serverName })
      else if (parsed.kind === 'invalid') finish(new Error('not a TLS ClientHello'))
    }
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk])
      check()
    }
    const onClose = (): void => finish(new Error('client closed the tunnel'))
    const onAbort = (): void => finish(signal.reason)
    client.on('data', onData)
    client.on('close', onClose)
    signal.addEventListener('abort', onAbort, { once: true })
    if (buffered.length > 0) check()
  })
}

// SNI must name the CONNECT host. An IP-literal target may come without SNI (RFC 6066 forbids literals in
// SNI, so TLS clients send none): the tunnel still goes only to that checked address.
function checkServerName(run: EgressRun, target: URL, serverName: string | undefined): void {
  const host = stripBrackets(target.hostname).toLowerCase()
  const isLiteral = parseIpAddress(host) !== undefined
  const matches = serverName === undefined ? isLiteral : serverName === host
  if (!matches) {
    run.meter.deniedRequests += 1
    throw new PolicyDeniedError(target.hostname, 'domain_not_allowed')
  }
}

function splice(
  run: EgressRun,
  client: Duplex,
  hello: Buffer,
  target: URL,
  pinned: readonly PinnedAddress[],
  signal: AbortSignal,
): Promise<void> {
  const maxBytes = run.policy.config.maxResponseBytes
  const maxOut = run.policy.config.maxRequestBytes
  return new Promise<void>((resolve, reject) => {
    const upstream = net.connect({
      host: stripBrackets(target.hostname),
      port: effectivePort(target),
      lookup: pinnedLookup(pinned),
    })
    let failed = false
    const fail = (error: unknown): void => {
      if (failed) return
      failed = true
      outbound.stop()
      inbound.stop()
      upstream.destroy()
      reject(error instanceof Error ? error : new Error(String(error)))
    }
    run.meter.netBytesOut += hello.length
    upstream.write(hello)
    // The proxy cannot tell requests apart inside TLS: everything a tunnel sends counts as one request's.
    const outbound = meteredPipe(client, upstream, {
      throttle: run.throttle,
      maxBytes: Math.max(0, maxOut - hello.length),
      onBytes: (n) => (run.meter.netBytesOut += n),
      onLimit: (bytes) =>
        fail(new ResourceExceededError('request_size', bytes + hello.length, maxOut)),
    })
    const inbound = meteredPipe(upstream, client, {
      throttle: run.throttle,
      maxBytes,
      onBytes: (n) => (run.meter.netBytesIn += n),
      onLimit: (bytes) => fail(new ResourceExceededError('response_size', bytes, maxBytes)),
    })
    client.resume()
    const onAbort = (): void => fail(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    upstream.on('error', fail)
    client.on('error', fail)
    const onClose = (): void => {
      signal.removeEventListener('abort', onAbort)
      outbound.stop()
      inbound.stop()
      upstream.destroy()
      client.destroy()
      if (!failed) resolve()
    }
    upstream.on('close', onClose)
    client.on('close', onClose)
  })
}
