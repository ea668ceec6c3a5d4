/**
 * A call's sandbox: the server's config narrowed by what the call asks for. A call may lower a limit and
 * never raise one past the server's; it may pick a tier and a language only among the server's tiers.
 */
import { ConfigError, type Language, type SandboxConfig, type TierId } from '../index.js'
import { TIER_LANGUAGES } from '../tiers/index.js'
import type { ResolvedToolsConfig, ToolLimits } from './tools-config.js'

/** What a tool call may say about its sandbox (run_code without a session, create_session). */
export interface SandboxArguments {
  language?: Language
  tier?: TierId
  limits?: ToolLimits
}

const LIMIT_NAMES = ['memory', 'executionTime', 'cpuTime', 'maxOutputBytes', 'diskSpace'] as const

/**
 * The SandboxConfig for a call.
 * @throws ConfigError when a limit is above the server's, or the tier or language is not served here.
 */
export function sandboxConfigFor(
  args: SandboxArguments,
  server: ResolvedToolsConfig,
  lifetimeMs?: number,
): SandboxConfig {
  const limits: Required<ToolLimits> = { ...server.limits }
  for (const name of LIMIT_NAMES) {
    const asked = args.limits?.[name]
    if (asked === undefined) continue
    if (asked > server.limits[name])
      throw new ConfigError(
        `limits.${name}`,
        `at most ${server.limits[name]} (this server's limit; a call may lower a limit, never raise it)`,
        asked,
      )
    limits[name] = asked
  }
  const language = args.language ?? 'javascript'
  const tier = args.tier ?? chooseTier(language, server)
  if (!server.tiers.includes(tier))
    throw new ConfigError('tier', `one of this server's tiers (${server.tiers.join(', ')})`, tier)
  if (!(TIER_LANGUAGES[tier] as readonly Language[]).includes(language))
    throw new ConfigError(
      'language',
      `a language the ${tier} tier runs (${TIER_LANGUAGES[tier].join(', ')})`,
      language,
    )
  return {
    ...server.sandbox,
    type: tier,
    language,
    limits,
    // A run moves to a container only when the server serves the container it would move to.
    escalate: server.tiers.includes(server.trust === 'trusted' ? 'docker' : 'gvisor'),
    ...(lifetimeMs === undefined ? {} : { timeout: lifetimeMs }),
  }
}

/** Languages a container keeps a live interpreter for (`session: true`, docs/sessions.md). */
const CONTAINER_SESSION_LANGUAGES: readonly Language[] = ['python', 'javascript', 'typescript']

/**
 * A create_session sandbox: on a container tier its globals persist only with a live interpreter
 * (`session: true`), which the in-process tiers do not need (their sandboxes are REPLs). Containers with
 * network egress run by exec and have no session interpreter: there globals do not persist (files do).
 */
export function sessionConfigFor(config: SandboxConfig): SandboxConfig {
  const container = config.type === 'docker' || config.type === 'gvisor'
  const language = config.language
  if (!container || config.networkEnabled === true || language === undefined) return config
  return CONTAINER_SESSION_LANGUAGES.includes(language) ? { ...config, session: true } : config
}

/** The lightest of the server's tiers that runs the language (Python: pywasm, when the server serves it). */
export function chooseTier(language: Language, server: ResolvedToolsConfig): TierId {
  const order: TierId[] =
    server.trust === 'trusted'
      ? ['quickjs', 'wasm', 'pywasm', 'docker', 'gvisor']
      : ['quickjs', 'wasm', 'pywasm', 'gvisor', 'docker']
  const tier = order.find(
    (t) =>
      server.tiers.includes(t) && (TIER_LANGUAGES[t] as readonly Language[]).includes(language),
  )
  if (tier === undefined)
    throw new ConfigError(
      'language',
      `a language one of this server's tiers runs (${server.tiers.join(', ')})`,
      language,
    )
  return tier
}

/** Languages some tier of the server runs. */
export function servedLanguages(server: ResolvedToolsConfig): Language[] {
  return [...new Set(server.tiers.flatMap((t) => TIER_LANGUAGES[t] as readonly Language[]))]
}
