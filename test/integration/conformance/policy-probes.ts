/**
 * The guest programs of the network policy conformance suite: each takes the table's URLs and returns one
 * outcome per URL, `allowed`, `denied:<reason>` or `failed:<what>`, computed inside the guest from what its
 * own HTTP client reported. The same JavaScript runs on QuickJS and node; python uses urllib; the
 * AssemblyScript program embeds the URLs (its guest library has no JSON parser). The pure core gets the same
 * treatment on the host.
 */
import { PolicyDeniedError } from '../../../src/errors.js'
import type { NetworkPolicy } from '../../../src/policy/network-policy.js'
import { resolvePinned } from '../../../src/policy/resolve-pinned.js'

/** JavaScript for QuickJS and node: `export default (urls) => outcomes`. */
export const JS_PROBE = `
const outcome = async (url) => {
  try {
    const res = await fetch(url)
    await res.text()
    return 'allowed'
  } catch (e) {
    if (e && e.name === 'PolicyDeniedError') return 'denied:' + e.reason
    // In-process fetch verifies TLS against the system CAs only: a refused test certificate means the
    // request got past the policy to the server (the suite checks the server saw its ClientHello).
    if (e && e.reason === 'tls_failed') return 'allowed'
    return 'failed:' + ((e && e.cause && e.cause.code) || (e && e.reason) || (e && e.name))
  }
}
export default async (urls) => {
  const out = []
  for (const url of urls) out.push(await outcome(url))
  return out
}
`

/** Python (urllib honours the proxy variables): `main(urls) -> outcomes`. */
export const PYTHON_PROBE = `
import re, urllib.error, urllib.request

class Hops(urllib.request.HTTPRedirectHandler):
    followed = False
    def redirect_request(self, *args):
        Hops.followed = True
        return super().redirect_request(*args)

opener = urllib.request.build_opener(Hops)

def outcome(url):
    Hops.followed = False
    try:
        opener.open(url, timeout=10).read()
        return 'allowed'
    except urllib.error.HTTPError as e:
        denied = e.headers.get('x-sandtier-denied')
        if denied is None:
            # A 3xx here is a redirect urllib refused to follow itself (e.g. to file:).
            return 'failed:HTTP %d' % e.code if 300 <= e.code < 400 else 'allowed'
        # urllib follows redirects itself: the proxy refused a hop it followed.
        return 'denied:' + ('redirect_blocked' if Hops.followed else denied)
    except urllib.error.URLError as e:
        m = re.search(r'Network request denied: (\\w+)', str(e.reason))
        return 'denied:' + m.group(1) if m else 'failed:' + type(e.reason).__name__
    except Exception as e:
        return 'failed:' + type(e).__name__

def main(urls):
    return [outcome(url) for url in urls]
`

/** An AssemblyScript program that fetches `urls` in order and returns the outcomes as a JSON array. */
export function assemblyScriptProbe(urls: readonly string[]): string {
  const list = urls.map((url) => JSON.stringify(url)).join(', ')
  return `import { fetch, jsonString } from 'sandtier'
const DENIED = 'PolicyDeniedError: Network request denied: '
function outcome(url: string): string {
  const error = fetch(url).error
  if (error === null) return 'allowed'
  if (error.startsWith(DENIED)) return 'denied:' + error.slice(DENIED.length)
  // The guest library reports only "TypeError: fetch failed" for a refused test certificate (see JS_PROBE).
  if (url.startsWith('https:') && error == 'TypeError: fetch failed') return 'allowed'
  return 'failed:' + error
}
export function main(input: string): string {
  const urls: string[] = [${list}]
  const out: string[] = []
  for (let i = 0; i < urls.length; i++) out.push(jsonString(outcome(urls[i])))
  return '[' + out.join(',') + ']'
}
`
}

// One decision as the tiers make it: the URL, then DNS through the policy's resolver, every address checked.
async function decide(policy: NetworkPolicy, url: string): Promise<string> {
  const decision = policy.evaluateUrl(url)
  if (!decision.allow) return `denied:${decision.reason}`
  try {
    await resolvePinned(policy, new URL(url).hostname)
    return 'allowed'
  } catch (error) {
    if (error instanceof PolicyDeniedError) return `denied:${error.reason}`
    throw error
  }
}

/** The pure core's outcome for a table URL; a `/redirect?to=` URL is followed one hop, as the tiers do. */
export async function coreOutcome(policy: NetworkPolicy, url: string): Promise<string> {
  const first = await decide(policy, url)
  const parsed = new URL(url)
  const to = parsed.pathname === '/redirect' ? parsed.searchParams.get('to') : null
  if (first !== 'allowed' || to === null) return first
  return (await decide(policy, to)) === 'allowed' ? 'allowed' : 'denied:redirect_blocked'
}
