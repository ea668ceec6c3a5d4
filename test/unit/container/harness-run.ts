/** Runs an image harness script on the host (same node and a python3) and parses its report. */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { frameRequest } from '../../../src/tiers/container/guest-command.js'

const HARNESS = fileURLToPath(new URL('../../../images/sandbox/harness/', import.meta.url))

export interface HarnessOutcome {
  status: number | null
  stdout: string
  stderr: string
  report: { value?: unknown; error?: { name: string; message: string; code?: string } } | undefined
}

export function runHarness(
  language: 'node' | 'python',
  request: Record<string, unknown>,
  stdin = '',
): HarnessOutcome {
  const nonce = 'n0nce'
  const [cmd, script] =
    language === 'node' ? ['node', 'run-node.mjs'] : ['python3', 'run-python.py']
  // The request travels first on stdin, framed as the tier frames it; the guest's stdin follows.
  const framed = frameRequest(JSON.stringify({ nonce, ...request }))
  const result = spawnSync(cmd, [`${HARNESS}${script}`], {
    input: Buffer.concat([framed, Buffer.from(stdin)]),
    encoding: 'utf8',
    timeout: 20_000,
    // No __pycache__ left under images/ (the image's harness is the recipe's, byte for byte).
    env: { PATH: process.env['PATH'] ?? '', PYTHONDONTWRITEBYTECODE: '1' },
  })
  const marker = `\0sandtier:${nonce}:`
  const at = result.stderr.lastIndexOf(marker)
  const report =
    at >= 0
      ? (JSON.parse(
          result.stderr.slice(at + marker.length).split('\n')[0]!,
        ) as HarnessOutcome['report'])
      : undefined
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: at >= 0 ? result.stderr.slice(0, at) : result.stderr,
    report,
  }
}
