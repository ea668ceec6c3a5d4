/**
 * Network egress for a container sandbox. The container keeps NetworkMode 'none' (only `lo`); HTTP and HTTPS
 * leave through the sandbox's EgressProxy on the host, which applies the same NetworkPolicy as the in-process
 * tiers. The proxy's Unix socket is bind-mounted read-only into the container, where the forwarder (the
 * container's main process) relays 127.0.0.1:EGRESS_PORT to it; HTTP_PROXY and friends point there, node
 * loads a proxy-aware fetch and agents, and the only DNS server is a loopback address nobody serves (the
 * shared resolv.conf of host-files.ts). The socket's host directory is a random name under the neutral
 * directory of host-files.ts: the guest sees that path in /proc/self/mountinfo, and nothing else of the host.
 */
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import tls from 'node:tls'
import type Dockerode from 'dockerode'
import type { ResolvedConfig } from '../../config.js'
import { ConfigError } from '../../errors.js'
import { EgressProxy } from '../../policy/egress-proxy.js'
import { copyNetworkUsage, type NetworkMeter } from '../../policy/network-meter.js'
import { NetworkPolicy } from '../../policy/network-policy.js'
import { SandboxCa } from '../../policy/sandbox-ca.js'
import type { ExecResult } from '../../types.js'
import type { NormalizedRequest } from '../tier.js'
import { HARNESS_DIR } from './guest-command.js'
import { privateHostDir } from './host-files.js'
import { WarmPool } from './warm-pool.js'

/** The forwarder's port on the container's loopback. */
export const EGRESS_PORT = 3128
/** Where the proxy's socket appears inside the container. */
export const EGRESS_SOCKET_PATH = '/run/sandtier-egress/proxy.sock'
/** Where the trust store with the sandbox's CA appears (Debian's bundle: python's ssl, curl, OpenSSL). */
export const CA_BUNDLE_PATH = '/etc/ssl/certs/ca-certificates.crt'
/** The sandbox's CA certificate alone, for NODE_EXTRA_CA_CERTS (node keeps its own roots). */
export const CA_CERT_PATH = '/run/sandtier-egress/sandbox-ca.pem'
/** The container's main process when egress is on (see images/sandbox/harness/egress-forwarder.py). */
export const FORWARDER_COMMAND = ['python3', `${HARNESS_DIR}/egress-forwarder.py`]

/**
 * A pool that never holds a container: sandboxes with egress bind their own proxy socket, so their
 * containers are never interchangeable and a spare would only sit idle.
 */
export const NO_POOL = new WarmPool({
  size: 0,
  start: () => Promise.reject(new Error('NO_POOL starts nothing')),
  remove: async () => undefined,
})

/**
 * Refuses what egress cannot combine with.
 * @throws ConfigError for `command` with `networkEnabled`: the forwarder must be the main process, the one
 *   process a run's termination never kills.
 */
export function checkEgressConfig(config: ResolvedConfig): void {
  if (config.network.enabled && config.container.command !== undefined)
    throw new ConfigError(
      'command',
      'unset when networkEnabled is true (the egress forwarder is the container main process)',
      config.container.command,
    )
}

function egressEnvironment(existing: string[], hasCa: boolean): string[] {
  const proxy = `http://127.0.0.1:${EGRESS_PORT}`
  const userNodeOptions = existing.find((e) => e.startsWith('NODE_OPTIONS='))?.slice(13)
  const trust: Record<string, string> = hasCa
    ? { NODE_EXTRA_CA_CERTS: CA_CERT_PATH, REQUESTS_CA_BUNDLE: CA_BUNDLE_PATH }
    : {}
  const ours: Record<string, string> = {
    ...trust,
    HTTP_PROXY: proxy,
    HTTPS_PROXY: proxy,
    FTP_PROXY: proxy,
    http_proxy: proxy,
    https_proxy: proxy,
    ftp_proxy: proxy,
    NO_PROXY: '',
    no_proxy: '',
    SANDTIER_EGRESS_PORT: String(EGRESS_PORT),
    NODE_OPTIONS: [`--import=${HARNESS_DIR}/egress-fetch.mjs`, userNodeOptions]
      .filter((o) => o !== undefined && o !== '')
      .join(' '),
  }
  const kept = existing.filter((e) => !Object.hasOwn(ours, e.slice(0, e.indexOf('='))))
  return [...kept, ...Object.entries(ours).map(([k, v]) => `${k}=${v}`)]
}

/**
 * One sandbox's egress: a proxy on a socket in a private host directory (mode 0700, see privateHostDir; the
 * container reaches the socket only through its bind mount), and the container settings that route through it.
 */
export class SandboxEgress {
  readonly proxy: EgressProxy
  readonly #dir: string
  /** Host paths of the trust store files, when the sandbox has secrets (and so a CA). */
  readonly #trust: { bundle: string; cert: string } | undefined
  #closing: Promise<void> | undefined

  private constructor(
    proxy: EgressProxy,
    dir: string,
    trust: { bundle: string; cert: string } | undefined,
  ) {
    this.proxy = proxy
    this.#dir = dir
    this.#trust = trust
  }

  /**
   * Starts the proxy of a sandbox with `networkEnabled`; undefined when the network is off.
   * @throws ConfigError for an invalid policy; the listen error when the socket cannot be created.
   */
  static async open(config: ResolvedConfig): Promise<SandboxEgress | undefined> {
    if (!config.network.enabled) return undefined
    const policy = new NetworkPolicy(config.network)
    const dir = await privateHostDir()
    try {
      // Secrets: a CA of the sandbox's own, whose key never leaves this process; the container trusts it.
      const ca = policy.secrets.isEmpty ? undefined : await SandboxCa.create()
      const trust = ca === undefined ? undefined : await writeTrustStore(dir, ca.certificatePem)
      const socketPath = join(dir, 'proxy.sock')
      const proxy = await EgressProxy.listen(policy, { socketPath, ca })
      return new SandboxEgress(proxy, dir, trust)
    } catch (error) {
      await rm(dir, { recursive: true, force: true })
      throw error
    }
  }

  /** The create request with the forwarder as main process, the proxy environment and socket. */
  applyTo(spec: Dockerode.ContainerCreateOptions): Dockerode.ContainerCreateOptions {
    const host = spec.HostConfig ?? {}
    return {
      ...spec,
      Cmd: FORWARDER_COMMAND,
      Env: egressEnvironment(spec.Env ?? [], this.#trust !== undefined),
      HostConfig: {
        ...host,
        // The socket itself, read-only: a directory bind would let the guest write into the host's /tmp,
        // and runsc cannot connect through a read-only directory bind. The same for the trust store files.
        Binds: [
          ...(host.Binds ?? []),
          `${this.proxy.socketPath}:${EGRESS_SOCKET_PATH}:ro`,
          ...(this.#trust === undefined
            ? []
            : [`${this.#trust.bundle}:${CA_BUNDLE_PATH}:ro`, `${this.#trust.cert}:${CA_CERT_PATH}:ro`]),
        ],
      },
    }
  }

  /** Opens the proxy for one run, bounded by its wall-clock limit and cancellation. */
  beginRun(request: Pick<NormalizedRequest, 'timeoutMs' | 'signal'>): void {
    this.proxy.beginRun({ deadline: Date.now() + request.timeoutMs, signal: request.signal })
  }

  /** Closes the run's connections and returns its counters. */
  endRun(): NetworkMeter {
    return this.proxy.endRun()
  }

  /** Closes the proxy and removes its directory. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.proxy.close()
      await rm(this.#dir, { recursive: true, force: true })
    })()
    return this.#closing
  }
}

// The trust store of a sandbox with secrets: Node's roots (those the opaque tunnels to other hosts are
// verified against) plus the sandbox's CA, world-readable (the sandbox's uid reads it through the bind).
async function writeTrustStore(
  dir: string,
  caPem: string,
): Promise<{ bundle: string; cert: string }> {
  const bundle = join(dir, 'ca-bundle.pem')
  const cert = join(dir, 'sandbox-ca.pem')
  await writeFile(bundle, `${[...tls.rootCertificates, caPem].join('\n')}\n`, { mode: 0o644 })
  await writeFile(cert, caPem, { mode: 0o644 })
  return { bundle, cert }
}

/** Runs `run` with the proxy open for it (when there is egress); returns its value and network counters. */
export async function meterRun<T>(
  egress: SandboxEgress | undefined,
  request: Pick<NormalizedRequest, 'timeoutMs' | 'signal'>,
  run: () => Promise<T>,
): Promise<{ value: T; network: NetworkMeter | undefined }> {
  if (egress === undefined) return { value: await run(), network: undefined }
  egress.beginRun(request)
  try {
    const value = await run()
    return { value, network: egress.endRun() }
  } catch (error) {
    egress.endRun()
    throw error
  }
}

/** Puts a run's network counters into its result. */
export function withNetworkUsage(result: ExecResult, meter: NetworkMeter | undefined): ExecResult {
  if (meter !== undefined) copyNetworkUsage(meter, result.usage)
  return result
}
