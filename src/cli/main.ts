/**
 * The `sandtier` command:
 *   sandtier run [file] [-e code] [--lang L] [--tier T] [--memory 64m] [--timeout 2s] [--input json] [--json]
 *   sandtier doctor [--json]
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { extname } from 'node:path'
import { parseArgs } from 'node:util'
import type { SandboxConfig } from '../config.js'
import { isSandboxError } from '../errors.js'
import { SandboxManager } from '../manager/sandbox-manager.js'
import type { ExecResult, Language, SandboxType } from '../types.js'
import { exitCodeFor, USAGE_EXIT_CODE } from './exit-codes.js'
import { parseDuration, parseSize } from './units.js'

const USAGE = `Usage:
  sandtier run [file] [-e code] [--lang javascript|typescript|assemblyscript|wasm|python|shell]
               [--tier auto|quickjs|wasm|docker|gvisor] [--trusted] [--memory 64m] [--timeout 2s]
               [--input '{"a":1}'] [--stdin text] [--network-allow host,...] [--json]
  sandtier doctor [--json]
  sandtier bench [--quick] [--tiers quickjs,wasm,docker,gvisor] [--sections ...]

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
  try {
    const id = await manager.createSandbox(config)
    const request =
      language === 'wasm' && file
        ? { wasmBinary: new Uint8Array(await readFile(file)), input, stdin: values.stdin }
        : {
            code: file ? await readFile(file, 'utf8') : (values.eval as string),
            input,
            stdin: values.stdin,
          }
    const result = await manager.execute(id, request)
    printResult(result, values.json === true)
    return exitCodeFor(result)
  } finally {
    await manager.close()
  }
}

function printResult(result: ExecResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    return
  }
  process.stdout.write(result.stdout)
  process.stderr.write(result.stderr)
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
