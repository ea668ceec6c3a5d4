/**
 * Entry of the AssemblyScript compiler worker. Compiling blocks for hundreds of milliseconds, so it runs off
 * the host thread (where it would delay every other run's deadline timer) and under its own deadline (the host
 * terminates this worker when a compile takes too long). The compiler only ever sees the virtual files it is
 * given: reads of anything else (asconfig.json, `../../etc/passwd`) come back as "not found".
 */
import { parentPort, type MessagePort } from 'node:worker_threads'
import type * as AscModule from 'assemblyscript/asc'
import type { CompileMessage, CompileReply, Diagnostic } from './protocol.js'

type Asc = typeof AscModule
type AscDiagnostic = Parameters<NonNullable<Parameters<Asc['main']>[1]>['reportDiagnostic'] & {}>[0]

const port = parentPort as MessagePort
// asc reports its own crashes (a stack overflow on a hostile source) with console.error: that text is the
// guest's doing and must not reach the host's stderr. Diagnostics come back through reportDiagnostic.
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const)
  console[method] = () => undefined
const SEVERITIES = ['info', 'info', 'warning', 'error'] as const
/**
 * Diagnostics sent back per compile, and characters per message: a hostile source can make asc report
 * thousands, each quoting long identifiers; the first ones are what a caller reads.
 */
const MAX_DIAGNOSTICS = 100
const MAX_MESSAGE_CHARS = 1024

let requested = false

// Loading asc (binaryen included) takes about a second: start at boot and, when no compile is waiting yet, run
// one small compile so the first real one finds the compiler's code already optimised by the JIT.
const compiler: Promise<Asc> = import('assemblyscript/asc').then(async (asc) => {
  if (requested) return asc
  await compile(asc, {
    type: 'compile',
    entry: 'index.ts',
    files: { 'index.ts': 'export function main(input: string): string { return input + "!" }' },
    argv: ['index.ts', '--outFile', 'module.wasm', '--optimizeLevel', '3', '--importMemory'],
  })
  return asc
})
compiler.catch(() => undefined)

port.on('message', (message: { id: number } & CompileMessage) => {
  requested = true
  void compiler
    .then((asc) => compile(asc, message))
    .then(
      (value) =>
        port.postMessage(
          { replyTo: message.id, ok: true, value },
          value.binary ? [value.binary.buffer as ArrayBuffer] : [],
        ),
      (error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error))
        port.postMessage({
          replyTo: message.id,
          ok: false,
          error: { name: e.name, message: e.message },
        })
      },
    )
})

async function compile(asc: Asc, message: CompileMessage): Promise<CompileReply> {
  const started = performance.now()
  const files = new Map(Object.entries(message.files))
  const diagnostics: Diagnostic[] = []
  let binary: Uint8Array | undefined
  const result = await asc.main(message.argv, {
    readFile: (name) => files.get(name) ?? null,
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm') && contents instanceof Uint8Array) binary = contents
    },
    listFiles: () => [],
    stdout: asc.createMemoryStream(),
    stderr: asc.createMemoryStream(),
    reportDiagnostic: (d) => {
      if (diagnostics.length < MAX_DIAGNOSTICS) diagnostics.push(toDiagnostic(d, files))
    },
  })
  const failed = result.error !== null || diagnostics.some((d) => d.severity === 'error')
  if (result.error !== null && !diagnostics.some((d) => d.severity === 'error'))
    diagnostics.push({
      file: '',
      line: 0,
      column: 0,
      message: result.error.message,
      code: 0,
      severity: 'error',
    })
  // A copy the size of the module: asc's output may be a view into a larger buffer.
  const bytes = failed || binary === undefined ? undefined : binary.slice()
  return { binary: bytes, diagnostics, compileMs: performance.now() - started }
}

function toDiagnostic(d: AscDiagnostic, files: Map<string, string>): Diagnostic {
  const file = d.range?.source.normalizedPath ?? ''
  const { line, column } = position(files.get(file), d.range?.start ?? 0)
  return {
    file,
    line,
    column,
    message:
      d.message.length > MAX_MESSAGE_CHARS
        ? `${d.message.slice(0, MAX_MESSAGE_CHARS)}…`
        : d.message,
    code: d.code,
    severity: SEVERITIES[d.category] ?? 'error',
  }
}

// 1-based line and column of an offset; 0, 0 for files the host did not provide (the standard library).
function position(text: string | undefined, offset: number): { line: number; column: number } {
  if (text === undefined) return { line: 0, column: 0 }
  let line = 1
  let lineStart = 0
  for (let i = 0; i < Math.min(offset, text.length); i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: offset - lineStart + 1 }
}

port.postMessage({ type: 'ready' })
