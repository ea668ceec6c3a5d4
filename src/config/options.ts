/**
 * What a sandbox can be configured with (SandboxConfig, the caller's words) and what it resolves to
 * (ResolvedConfig: defaults filled in, units in the name, validated).
 */
import type { Language, SandboxType } from '../types.js'
import type { ResolvedSecret, SecretOptions } from './secrets.js'

/** The seed's ResourceLimit, in bytes and milliseconds. */
export interface ResourceLimit {
  /** Memory in bytes. */
  memory?: number
  /** CPU time in ms for one run. @default executionTime */
  cpuTime?: number
  /** Wall-clock time in ms for one run. @default 30_000 */
  executionTime?: number
  /** Writable disk (tmpfs) in bytes on container tiers. @default 64 MiB */
  diskSpace?: number
  /** Network bytes per second, both directions. @default 10 MiB/s */
  networkBandwidth?: number
  /** stdout + stderr bytes kept per run; more ends the run with status 'output'. @default 1 MiB */
  maxOutputBytes?: number
  /**
   * Bytes of files a result carries (ExecResult.files, what the run wrote under `out/`); files past it
   * are listed without their bytes (read them with readFile). @default 16 MiB
   */
  maxOutputFileBytes?: number
}

export interface NetworkOptions {
  /** @default [80, 443] */
  allowedPorts?: number[]
  /** CIDRs exempt from the private-address ban, for names that are allowed anyway (tests: 127.0.0.0/8). */
  allowPrivateCidrs?: string[]
  /** Host-side resolver override: hostname → addresses. Tests map `*.test` names to local servers. */
  resolve?: (hostname: string) => Promise<string[]> | string[]
  /** @default 10 MiB */
  maxResponseBytes?: number
  /**
   * Bytes one request may send (its body; for a container's HTTPS tunnel, everything sent through it), so an
   * allowed host cannot be used to carry off more than this per request. @default 10 MiB
   */
  maxRequestBytes?: number
  /** Requests per run. @default 50 */
  maxRequests?: number
  /** Per-request timeout in ms, always inside the run's deadline. @default 10_000 */
  requestTimeoutMs?: number
  /**
   * PEM certificates the host trusts, besides Node's roots, when it connects to an HTTPS server for the
   * guest (in-process fetch, and the container proxy for hosts with secrets). Tests: a local server's CA.
   * @default none
   */
  caCertificates?: string[]
}

export type HostFunction = (...args: unknown[]) => unknown

export interface VolumeMount {
  hostPath: string
  containerPath: string
  readOnly?: boolean
}

/** Everything a sandbox can be configured with. Every field is optional. */
export interface SandboxConfig {
  /** @default 'auto' */
  type?: SandboxType
  /** @default 'javascript' */
  language?: Language
  /** Containers for 'untrusted' code run on gVisor, 'trusted' on runc. @default 'untrusted' */
  trust?: 'untrusted' | 'trusted'
  /** Memory limit in bytes (same as limits.memory). @default 64 MiB */
  memoryLimit?: number
  /** CPUs a container may use, e.g. 0.5. @default 1 */
  cpuQuota?: number
  /** Processes a container may have. @default 128 */
  pidLimit?: number
  /** Sandbox lifetime in ms; once over, the sandbox is destroyed. @default none */
  timeout?: number
  limits?: ResourceLimit
  /** @default false: no network at all */
  networkEnabled?: boolean
  /** Hosts the guest may reach: `api.example.com`, `*.example.com`, optional `:port`. */
  allowedDomains?: string[]
  /** @default [22, 25, 3389, 5900] */
  blockedPorts?: number[]
  network?: NetworkOptions
  /**
   * Container image. `'data'` is sandtier-sandbox-data:latest (numpy, pandas, matplotlib, scipy…; built with
   * `scripts/build-image.sh --data`, default memoryLimit 512 MiB: docs/data-image.md).
   * @default 'sandtier-sandbox:latest'
   */
  image?: string
  /** Container command kept running as the sandbox's init. */
  command?: string[]
  /** @default false */
  writableRootfs?: boolean
  /** Capabilities added back after dropping ALL. */
  capabilities?: string[]
  volumes?: VolumeMount[]
  env?: Record<string, string>
  /**
   * Largest `code` a container run accepts; a larger one rejects with ConfigError. JavaScript/TypeScript is
   * prepared on the host (in a worker, under the run's deadline): token-dense TypeScript needs up to ~100×
   * its size in that worker's heap and ~2 s per MiB of a core. Agent-written programs are kilobytes.
   * @default 1 MiB
   */
  maxSourceBytes?: number
  /** wasm tier: the user module (language 'wasm'). */
  wasmBinary?: Uint8Array
  /** wasm tier: initial pages of the imported memory. @default 1 */
  memoryPages?: number
  /** wasm tier: maximum pages of the imported memory. @default memoryLimit / 64 KiB */
  maxMemoryPages?: number
  /** Functions the guest may call; arguments and results are JSON-safe copies. */
  hostFunctions?: Record<string, HostFunction>
  /** Move a job to a heavier tier when the chosen one cannot run it. @default true */
  escalate?: boolean
  /** CPU time an in-process run may use before auto mode moves it to a container. @default 500 */
  inProcessCpuBudgetMs?: number
  /**
   * Auto mode, JavaScript: how long an in-process run goes on alone before the same code is also started on
   * the container for its trust level, side by side; the first to finish wins (hedged escalation,
   * docs/tiers.md). Only for a run that cannot reach outside (no hostFunctions, network off) and has made
   * no host call by then. `escalate: false` or an explicit `type` turns it off. @default 200
   */
  hedgeAfterMs?: number
  /**
   * Values the guest can use but never see, by name: the guest gets a placeholder (`env.NAME` on quickjs,
   * the WASI environment on wasm, the environment of containers), and the host puts the value in its place
   * only in requests to the secret's `hosts` that the policy allows (docs/policy.md, Secrets).
   * @default none
   */
  secrets?: Record<string, SecretOptions>
  /**
   * docker and gvisor, language python / javascript / typescript: one live interpreter per sandbox whose
   * globals persist across execute calls (`x = 41`, then `x + 1` is 42). A limit outcome or the
   * interpreter's death ends it; the next execute starts a fresh one and says so (`result.session`,
   * docs/sessions.md). @default false: every execute runs in a fresh process
   */
  session?: boolean
}

export interface ResolvedNetworkConfig {
  enabled: boolean
  allowedDomains: string[]
  blockedPorts: number[]
  allowedPorts: number[]
  allowPrivateCidrs: string[]
  resolve: ((hostname: string) => Promise<string[]> | string[]) | undefined
  maxResponseBytes: number
  maxRequestBytes: number
  maxRequests: number
  requestTimeoutMs: number
  bandwidthBytesPerSec: number
  caCertificates: string[]
  /** The sandbox's secrets, with its placeholders (config `secrets`). */
  secrets: readonly ResolvedSecret[]
}

export interface ResolvedConfig {
  type: SandboxType
  language: Language | undefined
  trust: 'untrusted' | 'trusted'
  memoryLimitBytes: number
  cpuQuota: number
  pidLimit: number
  lifetimeMs: number | undefined
  executionTimeMs: number
  cpuTimeMs: number
  diskSpaceBytes: number
  maxOutputBytes: number
  network: ResolvedNetworkConfig
  container: {
    image: string
    command: string[] | undefined
    writableRootfs: boolean
    capabilities: string[]
    volumes: VolumeMount[]
    env: Record<string, string>
    maxSourceBytes: number
  }
  wasm: { wasmBinary: Uint8Array | undefined; memoryPages: number; maxMemoryPages: number }
  hostFunctions: Record<string, HostFunction>
  escalate: boolean
  inProcessCpuBudgetMs: number
  hedgeAfterMs: number
  maxOutputFileBytes: number
  /** SandboxConfig.session (src/config/session.ts). */
  session: boolean
}
