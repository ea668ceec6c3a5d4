/**
 * The `sandtier` command:
 *   sandtier run [file] [-e code] [--lang L] [--tier T] [--memory 64m] [--timeout 2s] [--input json] [--json]
 *   sandtier doctor [--json]
 *   sandtier mcp [--config server.json] [--http] (mcp-command.ts)
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { extname } from 'node:path'
import { parseArgs } from 'node:util'
import type { SandboxConfig } from '../config.js'
import { isSandboxError } from '../errors.js'
import { SandboxManager } from '../manager/sandbox-manager.js'
import type { ExecRequest, ExecResult, Language, SandboxType } from '../types.js'
import { exitCodeFor, USAGE_EXIT_CODE } from './exit-codes.js'
import { MCP_USAGE, mcpCommand } from './mcp-command.js'
import { parseDuration, parseSize } from './units.js'

const USAGE = `Usage:
  sandtier run [file] [-e code] [--lang javascript|typescript|assemblyscript|wasm|python|shell]
               [--tier auto|quickjs|wasm|docker|gvisor] [--trusted] [--memory 64m] [--timeout 2s]
               [--input '{"a":1}'] [--stdin text] [--network-allow host,...] [--json]
  sandtier doctor [--json]
  sandtier bench [--quick] [--tiers quickjs,wasm,docker,gvisor] [--sections ...]
${MCP_USAGE}

Exit code: 0 ok, 1 error, 3 output limit, 70 crashed, 124 timeout, 130 cancelled, 137 memory, 152 cpu, 2 usage.`

const LANGUAGE_BY_EXTENSION: Record<string, Language> = {
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.py': 'python',
  '.sh': 'shell',
  '.wasm': 'wasm',
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === 'run') return runCommand(rest)
  if (command === 'doctor') return doctorCommand(rest)
  if (command === 'bench') return benchCommand(rest)
  if (command === 'mcp') return mcpCommand(rest)
  process.stderr.write(`${USAGE}\n`)
  return command === undefined || command === '--help' || command === '-h' ? 0 : USAGE_EXIT_CODE
}

async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      eval: { type: 'string', short: 'e' },
      lang: { type: 'string' },
      tier: { type: 'string' },
      trusted: { type: 'boolean' },
      memory: { type: 'string' },
      timeout: { type: 'string' },
      input: { type: 'string' },
      stdin: { type: 'string' },
      'network-allow': { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  const file = positionals[0]
  if ((file === undefined) === (values.eval === undefined)) {
    process.stderr.write(`sandtier run: give a file or -e code\n${USAGE}\n`)
    return USAGE_EXIT_CODE
  }
  const language = (values.lang ?? (file ? LANGUAGE_BY_EXTENSION[extname(file)] : undefined)) as
    Language | undefined
  const config: SandboxConfig = { type: (values.tier ?? 'auto') as SandboxType }
  if (language) config.language = language
  if (values.trusted) config.trust = 'trusted'
  if (values.memory) config.memoryLimit = parseSize('--memory', values.memory)
  if (values.timeout) config.limits = { executionTime: parseDuration('--timeout', values.timeout) }
  if (values['network-allow']) {
    config.networkEnabled = true
    config.allowedDomains = values['network-allow'].split(',').map((d) => d.trim())
  }
  const input = values.input === undefined ? undefined : (JSON.parse(values.input) as unknown)
  const manager = new SandboxManager()
  const json = values.json === true
  try {
    const id = await manager.createSandbox(config)
    const request: ExecRequest =
      language === 'wasm' && file
        ? { wasmBinary: new Uint8Array(await readFile(file)), input, stdin: values.stdin }
        : {
            code: file ? await readFile(file, 'utf8') : values.eval,
            input,
            stdin: values.stdin,
          }
    // Output is printed as the guest writes it; --json prints the whole result at the end instead.
    const printed = { stdout: '', stderr: '' }
    if (!json) {
      request.onOutput = ({ stream, text }) => {
        printed[stream] += text
        process[stream].write(text)
      }
      manager.on('escalate', ({ to, reason }) => {
        // The container re-runs the code from its start: what it prints is what the result holds.
        printed.stdout = printed.stderr = ''
        process.stderr.write(`sandtier: re-running on ${to} (${reason}); its output follows\n`)
      })
    }
    const result = await manager.execute(id, request)
    if (!json) {
      // Whatever the run's tier did not stream (none does on purpose) still reaches the terminal.
      process.stdout.write(unprinted(result.stdout, printed.stdout))
      process.stderr.write(unprinted(result.stderr, printed.stderr))
    }
    printResult(result, json)
    return exitCodeFor(result)
  } finally {
    await manager.close()
  }
}

function unprinted(all: string, printed: string): string {
  return all.startsWith(printed) ? all.slice(printed.length) : all
}

function printResult(result: ExecResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    return
  }
  if (result.value !== undefined) process.stdout.write(`${JSON.stringify(result.value)}\n`)
  if (result.status !== 'ok') {
    const detail = result.error ? `${result.error.name}: ${result.error.message}` : ''
    process.stderr.write(
      `sandtier: ${result.status} on ${result.tier}${detail ? ` (${detail})` : ''}\n`,
    )
  }
}

async function doctorCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } })
  const manager = new SandboxManager()
  try {
    const tiers = await manager.availability()
    if (values.json) process.stdout.write(`${JSON.stringify(tiers, null, 2)}\n`)
    else
      for (const [id, a] of Object.entries(tiers)) {
        const versions = Object.entries(a.versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')
        process.stdout.write(
          `${id.padEnd(8)} ${a.available ? 'available' : 'unavailable'}  ${a.available ? versions : (a.reason ?? '')}\n`,
        )
      }
    return Object.values(tiers).some((a) => a.available) ? 0 : 1
  } finally {
    await manager.close()
  }
}

// The benchmark suite is plain JavaScript beside the package (bench/run.js); run it in its own process so its
// measurements are not disturbed by this one.
async function benchCommand(args: string[]): Promise<number> {
  const script = fileURLToPath(new URL('../../bench/run.js', import.meta.url))
  const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit' })
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)))
}

export function reportCliError(err: unknown): number {
  if (isSandboxError(err)) {
    process.stderr.write(`sandtier: ${err.message} [${err.code}]\n`)
    return USAGE_EXIT_CODE
  }
  process.stderr.write(`sandtier: ${err instanceof Error ? err.message : String(err)}\n`)
  return USAGE_EXIT_CODE
}
