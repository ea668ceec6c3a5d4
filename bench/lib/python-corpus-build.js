#!/usr/bin/env node
/**
 * Builds the real-workload corpus (issue 15) from the Python documentation's reStructuredText sources (Debian's
 * python3.11-doc; scripts/python-corpus.sh installs it and calls this): every `>>>` block of the files in
 * sorted path order, at most PER_FILE per file so the corpus spans the docs, that rejectReason() accepts and
 * whose doctest program passes under the host's plain python3 three times (PYTHONHASHSEED 1, 2, 3: a block
 * whose output follows set or dict order of strings is out), up to `limit` programs. Cached under
 * ~/.cache/sandtier/corpus/<hash>/corpus.json; the hash covers the sources, this extractor and the python.
 *   node bench/lib/python-corpus-build.js --docs DIR [--python PATH] [--limit N]   (prints the JSON's path)
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs'
import { homedir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { extractBlocks, programFor, rejectReason } from './python-corpus.js'

export const DEFAULT_LIMIT = 150
const PER_FILE = 3
const HASH_SEEDS = ['1', '2', '3']
/** A program slower than this on the host is not "small". */
const HOST_TIMEOUT_MS = 5000
/** Bumped when the corpus format or the selection rules change without a change to the extractor files. */
const FORMAT = 1

/** Debian's python3, the same build as the sandbox image's, when present; else python3 on PATH. */
export const hostPython = () => (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3')

/** Runs `code` with `python -c`; → { code, stdout, stderr, ms } (a timeout or a signal is code null). */
export function runPython(python, code, env = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now()
    execFile(
      python,
      ['-c', code],
      {
        timeout: HOST_TIMEOUT_MS,
        maxBuffer: 4 * 1024 * 1024,
        env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...env },
      },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          stdout,
          stderr,
          ms: performance.now() - t0,
        }),
    )
  })
}

function rstFiles(dir) {
  const out = []
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.rst.txt')) out.push(relative(dir, p))
    }
  }
  walk(dir)
  // Code-unit order, not locale order: the same on every machine.
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

function corpusHash(docs, files, python, pythonVersion, limit) {
  const h = createHash('sha256')
  h.update(`format ${FORMAT} limit ${limit} per-file ${PER_FILE} ${python} ${pythonVersion}\n`)
  for (const name of ['python-corpus.js', 'python-corpus-build.js'])
    h.update(readFileSync(fileURLToPath(new URL(name, import.meta.url))))
  for (const f of files) h.update(`${f}\n`).update(readFileSync(join(docs, f)))
  return h.digest('hex').slice(0, 16)
}

const cacheRoot = () =>
  join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sandtier', 'corpus')

/** The host's verdict on one program: the `corpus: n attempted, 0 failed` line, same under every seed. */
async function passesOnHost(python, code) {
  let attempted
  for (const seed of HASH_SEEDS) {
    const r = await runPython(python, code, { PYTHONHASHSEED: seed })
    const m = /^corpus: (\d+) attempted, 0 failed$/m.exec(r.stdout)
    if (r.code !== 0 || !m || (attempted !== undefined && attempted !== Number(m[1])))
      return undefined
    attempted = Number(m[1])
  }
  return attempted
}

/** Builds (or finds cached) the corpus; → { path, corpus, cached }. */
export async function buildCorpus({ docs, python = hostPython(), limit = DEFAULT_LIMIT, log }) {
  const files = rstFiles(docs)
  if (!files.length) throw new Error(`no .rst.txt files under ${docs}`)
  const version = (
    await runPython(python, 'import sys; print(sys.version.split()[0])')
  ).stdout.trim()
  const hash = corpusHash(docs, files, python, version, limit)
  const dir = join(cacheRoot(), hash)
  const path = join(dir, 'corpus.json')
  if (existsSync(path))
    return { path, corpus: JSON.parse(readFileSync(path, 'utf8')), cached: true }
  const programs = []
  const rejected = {}
  let blocks = 0
  for (const file of files) {
    if (programs.length >= limit) break
    let taken = 0
    for (const block of extractBlocks(readFileSync(join(docs, file), 'utf8'))) {
      if (taken >= PER_FILE || programs.length >= limit) break
      blocks++
      const reason = rejectReason(block)
      const id = `${file.replace(/\.rst\.txt$/, '')}:${block.line}`
      const code = reason ? undefined : programFor(block, id)
      const attempted = code ? await passesOnHost(python, code) : undefined
      const why = reason ?? (attempted ? undefined : 'fails or varies under the host python3')
      if (why) {
        const key = why.replace(/ \(.*\)$/, '')
        rejected[key] = (rejected[key] ?? 0) + 1
        continue
      }
      programs.push({ id, path: file, line: block.line, attempted, code })
      taken++
      log?.(`${programs.length}/${limit} ${id}`)
    }
  }
  const corpus = {
    format: FORMAT,
    hash,
    source: 'Python documentation (Debian python3.11-doc), doctest blocks',
    docs,
    python: { path: python, version },
    built: new Date().toISOString(),
    blocksExamined: blocks,
    rejected,
    programs,
  }
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${path}.tmp`, `${JSON.stringify(corpus)}\n`)
  renameSync(`${path}.tmp`, path)
  return { path, corpus, cached: false }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const opt = (flag) => {
    const i = args.indexOf(flag)
    return i >= 0 ? args[i + 1] : undefined
  }
  const docs = opt('--docs')
  if (!docs) {
    console.error('usage: python-corpus-build.js --docs DIR [--python PATH] [--limit N]')
    process.exit(2)
  }
  const t0 = performance.now()
  const { path, corpus, cached } = await buildCorpus({
    docs,
    python: opt('--python') ?? hostPython(),
    limit: Number(opt('--limit') ?? DEFAULT_LIMIT),
  })
  console.error(
    `python-corpus: ${corpus.programs.length} programs ${cached ? '(cached)' : `built in ${Math.round((performance.now() - t0) / 1000)} s from ${corpus.blocksExamined} blocks`}`,
  )
  console.log(path)
}
