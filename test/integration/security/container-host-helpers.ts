/** Helpers of the container-host security tests: commands run in a sandbox's container from the host side. */
import { PassThrough } from 'node:stream'
import { finished } from 'node:stream/promises'
import { docker } from '../container/helpers.js'

/** Runs `cmd` in the container as its user, outside any run of the sandbox; resolves with its stdout. */
export async function execInContainer(
  containerId: string,
  cmd: string[],
): Promise<{ stdout: string; exitCode: number }> {
  const exec = await docker
    .getContainer(containerId)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: false })
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  docker.modem.demuxStream(stream, out, new PassThrough())
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve)
    stream.on('error', reject)
  })
  const { ExitCode } = await exec.inspect()
  return { stdout: Buffer.concat(chunks).toString('utf8'), exitCode: ExitCode ?? -1 }
}

/** Starts `cmd` in the container in the background (the exec is not attached: it outlives this call). */
export async function startInContainer(containerId: string, cmd: string[]): Promise<void> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd })
  // The engine answers a detached start with an empty body that must still be read to its end, or the
  // response keeps its socket open (the fixtures' leak check saw one PipeWrap left per call).
  const response = (await exec.start({ Detach: true })) as NodeJS.ReadableStream | undefined
  if (response) await finished(response.resume())
}

/** Polls `check` every 100 ms until it returns a value, for at most `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
