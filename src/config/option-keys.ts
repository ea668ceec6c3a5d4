/**
 * The option tables: every key a SandboxConfig and an ExecRequest take, written once and checked against
 * the interfaces by the compiler (a key added to an interface and not here, or here and not there, fails
 * to build), so the unknown-key checks and run()'s split of its options never drift from the types.
 */
import type { ExecRequest } from '../types.js'
import type { SandboxConfig } from './options.js'

const CONFIG_OPTIONS = {
  type: true,
  language: true,
  trust: true,
  memoryLimit: true,
  cpuQuota: true,
  pidLimit: true,
  timeout: true,
  limits: true,
  networkEnabled: true,
  allowedDomains: true,
  blockedPorts: true,
  network: true,
  image: true,
  command: true,
  writableRootfs: true,
  capabilities: true,
  volumes: true,
  env: true,
  maxSourceBytes: true,
  wasmBinary: true,
  memoryPages: true,
  maxMemoryPages: true,
  hostFunctions: true,
  escalate: true,
  inProcessCpuBudgetMs: true,
  hedgeAfterMs: true,
  secrets: true,
  session: true,
} as const satisfies Record<keyof SandboxConfig, true>

const REQUEST_FIELDS = {
  code: true,
  language: true,
  input: true,
  stdin: true,
  timeoutMs: true,
  signal: true,
  fn: true,
  args: true,
  wasmBinary: true,
  onOutput: true,
  files: true,
} as const satisfies Record<keyof ExecRequest, true>

/** Keys a SandboxConfig takes. */
export const CONFIG_KEYS: ReadonlySet<string> = new Set(Object.keys(CONFIG_OPTIONS))

/** Keys an ExecRequest takes. */
export const REQUEST_KEYS: ReadonlySet<string> = new Set(Object.keys(REQUEST_FIELDS))

/**
 * Keys that belong to one run only, when run(request, options) takes a SandboxConfig and request fields
 * in one object: the request's fields a config does not also have (`language` and `wasmBinary` are both).
 */
export const RUN_KEYS: ReadonlySet<string> = new Set(
  [...REQUEST_KEYS].filter((key) => !CONFIG_KEYS.has(key)),
)
