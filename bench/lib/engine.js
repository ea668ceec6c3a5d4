/**
 * The Docker engine as the container floors use it: a dockerode client, whether the engine, the image and
 * each runtime are there, a register of every container the bench starts (removed in teardown, even on
 * failure), the docker CLI, and per-container memory: cgroup v1 usage plus the containerd-shim's PSS.
 */
import { execFile } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
export const IMAGE = 'sandtier-sandbox:latest'
export const IDLE_CMD = ['sleep', 'infinity']
export const RUNTIMES = { docker: 'runc', gvisor: 'runsc' }

export function dockerClient() {
  const Docker = require('dockerode')
  const host = process.env.DOCKER_HOST
  const socketPath = host?.startsWith('unix://')
    ? host.slice('unix://'.length)
    : '/var/run/docker.sock'
  return new Docker({ socketPath })
}

/** { up, reason?, versions, runtimes: { runc: bool, runsc: bool }, image: bool } */
export async function engineStatus(docker) {
  try {
    await docker.ping()
  } catch (error) {
    return { up: false, reason: `Docker engine not answering: ${error.message}`, runtimes: {} }
  }
  const [version, info] = await Promise.all([docker.version(), docker.info()])
  const runtimes = Object.keys(info.Runtimes ?? {})
  const versions = { engine: version.Version, api: version.ApiVersion }
  for (const c of version.Components ?? []) versions[c.Name.toLowerCase()] = c.Version
  versions.runsc = await sh('runsc', ['--version']).then(
    (o) => o.split('\n')[0],
    () => 'not installed',
  )
  const image = await docker
    .getImage(IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    )
  return {
    up: true,
    versions,
    image,
    cgroup: info.CgroupVersion ?? 'unknown',
    runtimes: { runc: runtimes.includes('runc'), runsc: runtimes.includes('runsc') },
  }
}

/** Waits (up to `ms`) for the engine to answer again, e.g. after another session restarted dockerd. */
export async function waitForEngine(docker, ms = 90_000) {
  const end = Date.now() + ms
  for (;;) {
    try {
      await docker.ping()
      return
    } catch (error) {
      if (Date.now() > end) throw error
      await new Promise((r) => setTimeout(r, 1000))
    }
  }
}

/** Why floors on `runtime` cannot run, or undefined. */
export function engineSkip(status, runtime) {
  if (!status?.up) return `unavailable: ${status?.reason ?? 'engine not probed'}`
  if (!status.image) return `unavailable: image ${IMAGE} missing (scripts/engine-up.sh builds it)`
  if (runtime && !status.runtimes[runtime])
    return `unavailable: runtime ${runtime} not configured in the engine`
  return undefined
}

export function sh(cmd, args, options = {}) {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: 120_000, ...options }, (error, stdout, stderr) =>
      error
        ? reject(
            new Error(`${cmd} ${args.slice(0, 3).join(' ')}…: ${error.message} ${stderr}`.trim()),
          )
        : resolve(stdout.trim()),
    ),
  )
}

/** Containers the bench started; removeAll() in teardown. */
export class ContainerRegister {
  #docker
  #ids = new Set()
  constructor(docker) {
    this.#docker = docker
  }
  async create(runtime, cmd = IDLE_CMD) {
    const c = await this.#docker.createContainer({
      Image: IMAGE,
      Cmd: cmd,
      Labels: { 'sandtier.bench': String(process.pid) },
      HostConfig: { NetworkMode: 'none', Runtime: runtime },
    })
    this.#ids.add(c.id)
    return c
  }
  async remove(container) {
    await container.remove({ force: true })
    this.#ids.delete(container.id)
  }
  async removeAll() {
    const ids = [...this.#ids]
    this.#ids.clear()
    await Promise.allSettled(ids.map((id) => this.#docker.getContainer(id).remove({ force: true })))
  }
}

/** exec `cmd` in a running container to its end (hijacked stream drained, exit code inspected). */
export async function dockerodeExec(container, cmd) {
  const ex = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true })
  const stream = await ex.start({ hijack: true, stdin: false })
  await new Promise((resolve, reject) => {
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', reject)
    stream.resume()
  })
  const info = await ex.inspect()
  if (info.ExitCode !== 0) throw new Error(`exec ${cmd.join(' ')} exited ${info.ExitCode}`)
}

function pssKiB(pid) {
  try {
    return Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1])
  } catch {
    return NaN
  }
}

function rssKiB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1])
  } catch {
    return NaN
  }
}

/** pid of the containerd-shim serving container `id` (its cmdline names the id), or undefined. */
export function shimPid(id) {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8')
      if (cmd.includes('containerd-shim') && cmd.includes(id)) return Number(p)
    } catch {
      // the process ended while we looked
    }
  }
  return undefined
}

/** KiB: cgroup v1 memory.usage_in_bytes, rss/cache, PSS of the processes in the cgroup, shim PSS, and sum. */
export function containerMemory(id) {
  const dir = `/sys/fs/cgroup/memory/docker/${id}`
  const usage = Number(readFileSync(`${dir}/memory.usage_in_bytes`, 'utf8')) / 1024
  const stat = Object.fromEntries(
    readFileSync(`${dir}/memory.stat`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([k, v]) => [k, Number(v)]),
  )
  const procs = readFileSync(`${dir}/cgroup.procs`, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map(Number)
  const pid = shimPid(id)
  const shim = pid ? pssKiB(pid) : NaN
  return {
    cgroupKiB: usage,
    rssKiB: stat.total_rss / 1024,
    cacheKiB: stat.total_cache / 1024,
    procsPssKiB: procs.reduce((s, p) => s + (pssKiB(p) || 0), 0),
    procs: procs.length,
    shimPssKiB: shim,
    // RSS counts the shim's shared pages (binary, libc) in full for every shim; PSS splits them
    shimRssKiB: pid ? rssKiB(pid) : NaN,
    totalKiB: usage + shim,
  }
}
