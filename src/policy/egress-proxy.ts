/**
 * The host end of a container sandbox's network: an HTTP proxy on a Unix socket that applies the sandbox's
 * NetworkPolicy to every request, exactly like the in-process tiers' guardedFetch (one parse, DNS on the
 * host checked address by address, connections pinned to the checked address, counters per run).
 */
import { chmod, rm } from 'node:fs/promises'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { PolicyDeniedError, SandboxClosedError } from '../errors.js'
import { openEgressRun, type OpenEgressRun } from './egress-run.js'
import { createNetworkMeter, type NetworkMeter } from './network-meter.js'
import type { NetworkPolicy } from './network-policy.js'
import { openTunnel } from './proxy-connect.js'
import { forwardHttp } from './proxy-http.js'
import { replyOnSocket, replyWithError } from './proxy-reply.js'
import type { SandboxCa } from './sandbox-ca.js'
import type { RequestScopeOptions } from './request-scope.js'

/** Options of EgressProxy.listen. */
export interface EgressProxyOptions {
  /** Where the proxy listens. The caller owns the directory; the socket is made connectable by any uid. */
  socketPath: string
  /**
   * Connections open at once (idle keep-alive and tunnels included). Each is a file descriptor of the host
   * process, and the guest can open as many as its own descriptor limit (4,096 measured) allows: one sandbox
   * could run the host out of descriptors. Past the cap a new connection is closed at once and counted as a
   * denied request. @default 64
   */
  maxConnections?: number
  /**
   * The sandbox's CA, when it has secrets: HTTPS to a host that has secrets is terminated with a
   * certificate from it so placeholders can be replaced (proxy-tls.ts); other hosts keep the opaque tunnel.
   */
  ca?: SandboxCa | undefined
}

const DEFAULT_MAX_PROXY_CONNECTIONS = 64

/**
 * An egress proxy for one sandbox. Plain HTTP arrives in absolute form (`GET http://host/path`), HTTPS as
 * `CONNECT host:port`; both are admitted by the policy, and a tunnel must then present a TLS ClientHello
 * whose SNI names the CONNECT host. Refusals answer 403 with `x-sandtier-denied: <reason>` and a JSON body
 * `{ error: 'PolicyDeniedError', reason }`; other failures 4xx/5xx with `x-sandtier-error: <reason>`.
 *
 * Protects: every byte that leaves a container through it (the container has no other route). Traffic is
 * only accepted during a run (`beginRun` … `endRun`); outside a run every request is refused with
 * `network_disabled`, so processes a run left behind cannot talk to the network. Does not protect: what an
 * allowed host does with the data; requests inside a TLS tunnel are invisible to it (see proxy-connect.ts).
 *
 * @example
 * const proxy = await EgressProxy.listen(policy, { socketPath: '/tmp/sandtier-egress/x/proxy.sock' })
 * proxy.beginRun({ deadline: Date.now() + 30_000 })
 * // … the container runs …
 * const meter = proxy.endRun() // { requests, deniedRequests, netBytesIn, netBytesOut }
 * await proxy.close()
 */
export class EgressProxy {
  readonly policy: NetworkPolicy
  readonly socketPath: string
  readonly #server: http.Server
  readonly #sockets = new Set<Duplex>()
  #current: OpenEgressRun | undefined
  #closing: Promise<void> | undefined

  readonly #ca: SandboxCa | undefined

  private constructor(
    policy: NetworkPolicy,
    socketPath: string,
    maxConnections: number,
    ca: SandboxCa | undefined,
  ) {
    this.policy = policy
    this.#ca = ca
    this.socketPath = socketPath
    this.#server = http.createServer({ requireHostHeader: false }, (req, res) =>
      this.#onRequest(req, res),
    )
    this.#server.maxConnections = maxConnections
    this.#server.on('drop', () => this.#countDenied())
    this.#server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onConnect(req, socket, head),
    )
    this.#server.on('connection', (socket: Socket) => this.#track(socket))
    this.#server.on('clientError', (error: Error, socket: Duplex) =>
      this.#onClientError(error, socket),
    )
  }

  /**
   * Starts a proxy listening on `options.socketPath` (mode 0666: the sandbox user connects through a
   * read-only bind mount of the socket itself).
   * @throws the listen error (e.g. EADDRINUSE, EACCES).
   */
  static async listen(policy: NetworkPolicy, options: EgressProxyOptions): Promise<EgressProxy> {
    const proxy = new EgressProxy(
      policy,
      options.socketPath,
      options.maxConnections ?? DEFAULT_MAX_PROXY_CONNECTIONS,
      options.ca,
    )
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject)
      proxy.#server.listen(options.socketPath, () => {
        proxy.#server.off('error', reject)
        resolve()
      })
    })
    await chmod(options.socketPath, 0o666)
    return proxy
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#closing !== undefined
  }

  /**
   * Opens a run: fresh counters, a full bandwidth bucket, requests bounded by `deadline`, `signal` and
   * `requestTimeoutMs`.
   * A run still open is ended first (its connections close; its counters are dropped).
   * @throws SandboxClosedError after close().
   */
  beginRun(options: RequestScopeOptions = {}): void {
    if (this.#closing) throw new SandboxClosedError('egress proxy')
    this.endRun()
    const open = openEgressRun(this.policy, options.deadline, this.#ca)
    const { signal } = options
    if (signal !== undefined) {
      const onAbort = (): void => open.end()
      signal.addEventListener('abort', onAbort, { once: true })
      open.run.signal.addEventListener('abort', () => signal.removeEventListener('abort', onAbort))
    }
    this.#current = open
  }

  /** Ends the open run (its connections are torn down) and returns its counters. */
  endRun(): NetworkMeter {
    const open = this.#current
    this.#current = undefined
    if (open === undefined) return createNetworkMeter()
    open.end()
    return { ...open.run.meter }
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const run = this.#current?.run
    if (run === undefined) return replyWithError(res, outsideRun())
    void forwardHttp(run, req, res)
  }

  #onConnect(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#track(socket)
    socket.on('error', () => socket.destroy())
    const run = this.#current?.run
    if (run === undefined) return replyOnSocket(socket, outsideRun())
    void openTunnel(run, req, socket, head)
  }

  // A request the HTTP parser refused (bad request line, oversized headers) is a refusal, never a crash;
  // a connection that merely failed or timed out is just closed.
  #onClientError(error: Error, socket: Duplex): void {
    const code = (error as NodeJS.ErrnoException).code ?? ''
    if (!code.startsWith('HPE_') || !socket.writable) return void socket.destroy()
    this.#countDenied()
    replyOnSocket(socket, new PolicyDeniedError('', 'invalid_url'))
  }

  // A refusal the policy never saw (an unreadable request, a connection past the cap) still counts, in the
  // open run if there is one.
  #countDenied(): void {
    const run = this.#current?.run
    if (run !== undefined) run.meter.deniedRequests += 1
  }

  #track(socket: Duplex): void {
    this.#sockets.add(socket)
    socket.once('close', () => this.#sockets.delete(socket))
  }

  /** Ends any open run, closes every connection and removes the socket file. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.endRun()
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
      for (const socket of this.#sockets) socket.destroy()
      await closed
      await rm(this.socketPath, { force: true })
    })()
    return this.#closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

function outsideRun(): PolicyDeniedError {
  return new PolicyDeniedError('', 'network_disabled')
}
