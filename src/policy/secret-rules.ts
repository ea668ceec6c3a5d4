/**
 * A sandbox's secrets as the policy applies them: which hosts each one goes to, placeholders replaced by
 * values in what leaves (only toward those hosts and only where `in` allows), values replaced by
 * placeholders in what comes back, and placeholders counted where they are left as they are.
 */
import type { ResolvedSecret, SecretLocation } from '../config.js'
import type { ByteReplacement } from './byte-replacer.js'
import { matchingRules, parseDomainRule, type DomainRule } from './domain-rules.js'

interface Rule {
  readonly placeholder: string
  readonly value: string
  readonly hosts: readonly DomainRule[]
  readonly in: ReadonlySet<SecretLocation>
  /** The forms the value may take in a response: as is, JSON-escaped, percent-encoded. */
  readonly forms: readonly string[]
}

/** A request's parts after substitution, with the secrets left as placeholders in it. */
export interface SubstitutedRequest<H> {
  headers: Record<string, H>
  /** The request's path and query. */
  path: string
  body: string | undefined
  /** Secrets whose placeholder the request carries to where it is not replaced (each counted once). */
  blocked: number
  /** The placeholders of those secrets. */
  left: Set<string>
}

/** A header value: one, or several for a repeated header. */
type HeaderValue = string | string[]

function mapHeader<H extends HeaderValue>(value: H, fn: (v: string) => string): H {
  return (typeof value === 'string' ? fn(value) : value.map(fn)) as H
}

function headerIncludes(value: HeaderValue, needle: string): boolean {
  return typeof value === 'string' ? value.includes(needle) : value.some((v) => v.includes(needle))
}

function formsOf(value: string): string[] {
  const forms = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])
  // Longest first: a form that contains another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length)
}

/**
 * The substitution rules of one sandbox. Hosts match like `allowedDomains` entries: exact names or
 * dot-bounded `*.suffix` (never a look-alike such as `api.example.com.evil.test`), an entry's port when it
 * has one.
 * @throws ConfigError naming `secrets.NAME.hosts[i]` for an entry that is not a host pattern.
 */
export class SecretRules {
  readonly #rules: readonly Rule[]

  constructor(secrets: readonly ResolvedSecret[]) {
    this.#rules = secrets.map((secret) => ({
      placeholder: secret.placeholder,
      value: secret.value,
      hosts: secret.hosts.map((h, i) => parseDomainRule(h, i, `secrets.${secret.name}.hosts`)),
      in: new Set(secret.in),
      forms: formsOf(secret.value),
    }))
  }

  /** True when there are no secrets: nothing to replace, nothing to scrub. */
  get isEmpty(): boolean {
    return this.#rules.length === 0
  }

  /** True when some secret is sent to `url`'s host and port. */
  appliesTo(url: URL): boolean {
    return this.#rules.some((rule) => matches(rule, url))
  }

  /** True when some secret's value goes into a request body to `url`. */
  substitutesBody(url: URL): boolean {
    return this.#rules.some((rule) => rule.in.has('body') && matches(rule, url))
  }

  /**
   * Puts the values in for one request (or redirect hop) to `url`, which the policy has admitted.
   * Placeholders elsewhere (another host, a location `in` does not list, a header name, the URL's host or
   * path) stay placeholders and are counted in `blocked`.
   */
  substitute<H extends HeaderValue>(
    url: URL,
    headers: Readonly<Record<string, H>>,
    body: string | undefined,
  ): SubstitutedRequest<H> {
    let path = `${url.pathname}${url.search}`
    const out: Record<string, H> = {}
    for (const [name, value] of Object.entries(headers)) out[name] = value
    let text = body
    const left = new Set<string>()
    for (const rule of this.#rules) {
      const { placeholder } = rule
      const toHost = matches(rule, url)
      if (toHost && rule.in.has('header'))
        for (const [name, value] of Object.entries(out))
          out[name] = mapHeader(value, (v) => v.replaceAll(placeholder, rule.value))
      if (toHost && rule.in.has('query') && url.search.includes(placeholder))
        path = `${url.pathname}${url.search.replaceAll(placeholder, encodeURIComponent(rule.value))}`
      if (toHost && rule.in.has('body') && text !== undefined)
        text = text.replaceAll(placeholder, rule.value)
      if (
        path.includes(placeholder) ||
        url.host.includes(placeholder) ||
        (text?.includes(placeholder) ?? false) ||
        Object.entries(out).some(
          ([n, v]) => n.includes(placeholder) || headerIncludes(v, placeholder),
        )
      )
        left.add(placeholder)
    }
    return { headers: out, path, body: text, blocked: left.size, left }
  }

  /**
   * The byte replacements for a request body streamed to `url`: placeholder → value for the secrets that
   * go into bodies to that host, placeholder → itself (to see it) for the others; `onLeft` gets the
   * placeholder of every secret left as it is.
   */
  bodyReplacements(url: URL, onLeft: (placeholder: string) => void): ByteReplacement[] {
    return this.#rules.map((rule) => {
      const from = Buffer.from(rule.placeholder)
      if (rule.in.has('body') && matches(rule, url)) return { from, to: Buffer.from(rule.value) }
      return { from, to: from, onMatch: () => onLeft(rule.placeholder) }
    })
  }

  /** Replaces every value (as is, JSON-escaped or percent-encoded) by its placeholder. */
  scrub(text: string): string {
    let out = text
    for (const rule of this.#rules)
      for (const form of rule.forms)
        if (out.includes(form)) out = out.replaceAll(form, rule.placeholder)
    return out
  }

  /** The byte replacements of a response scrubber: each form of each value → its placeholder. */
  scrubReplacements(): ByteReplacement[] {
    return this.#rules.flatMap((rule) =>
      rule.forms.map((form) => ({ from: Buffer.from(form), to: Buffer.from(rule.placeholder) })),
    )
  }
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 }

function matches(rule: Rule, url: URL): boolean {
  const port = url.port === '' ? (DEFAULT_PORTS[url.protocol] ?? 0) : Number(url.port)
  return matchingRules(rule.hosts, url.hostname).some(
    (host) => host.port === undefined || host.port === port,
  )
}
