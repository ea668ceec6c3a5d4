import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, SandboxManager, type OutputChunk, type TierId } from '../../../src/index.js'

const manager = new SandboxManager()
afterAll(async () => {
  await manager.close()
})

interface Seen extends OutputChunk {
  atMs: number
}

/** Runs `code` on `type` with an onOutput that records each chunk and when it came. */
async function streamed(type: TierId, code: string, config: object = {}) {
  const seen: Seen[] = []
  const sb = await manager.create({ type, ...config })
  try {
    const started = performance.now()
    const result = await sb.execute({
      code,
      language: type === 'docker' || type === 'gvisor' ? 'shell' : 'javascript',
      onOutput: (chunk) => seen.push({ ...chunk, atMs: performance.now() - started }),
    })
    const endedMs = performance.now() - started
    const joined = (stream: 'stdout' | 'stderr') =>
      seen
        .filter((c) => c.stream === stream)
        .map((c) => c.text)
        .join('')
    return { result, seen, endedMs, stdout: joined('stdout'), stderr: joined('stderr') }
  } finally {
    await sb.destroy()
  }
}

describe('streaming output (issue 14): containers', () => {
  it.each<TierId>(['docker', 'gvisor'])(
    '%s: output arrives while the run goes on, in order, and joins to the result',
    async (type) => {
      const r = await streamed(
        type,
        'for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.3; done',
      )
      expect(r.result.status).toBe('ok')
      expect(r.stdout).toBe(r.result.stdout)
      expect(r.stderr).toBe(r.result.stderr)
      expect(r.result.stdout).toBe('out1\nout2\nout3\n')
      expect(r.result.stderr).toBe('err1\nerr2\nerr3\n')
      // The first line came ~0.6 s before the end: streamed, not sent with the result.
      const first = r.seen.find((c) => c.text.includes('out1'))
      expect(first?.tier).toBe(type)
      expect(r.endedMs - (first?.atMs ?? Infinity)).toBeGreaterThan(400)
      // In the order written, at the grain the engine keeps: stdout and stderr are two pipes read
      // side by side, so two writes a few µs apart may swap; writes 300 ms apart never do.
      const order = r.seen.map((c) => c.text).join('')
      const at = (text: string): number => order.indexOf(text)
      expect(Math.max(at('out1'), at('err1'))).toBeLessThan(Math.min(at('out2'), at('err2')))
      expect(Math.max(at('out2'), at('err2'))).toBeLessThan(Math.min(at('out3'), at('err3')))
      expect(Math.min(at('out1'), at('err1'))).toBe(0)
    },
  )

  it('a character split across two writes arrives whole', async () => {
    const r = await streamed('docker', "printf 'caf\\303'; sleep 0.2; printf '\\251\\n'")
    expect(r.result.stdout).toBe('café\n')
    expect(r.stdout).toBe('café\n')
    expect(r.seen.some((c) => c.text.includes('\ufffd'))).toBe(false)
  })

  it('past the output cap nothing more streams: the chunks are what the result kept', async () => {
    const r = await streamed('docker', 'yes abcdefgh | head -c 100000', {
      limits: { maxOutputBytes: 1000 },
    })
    expect(r.result.status).toBe('output')
    expect(r.result.stdout).toHaveLength(1000)
    expect(r.stdout).toBe(r.result.stdout)
  })
})

describe('streaming output (issue 14): the manager', () => {
  it("the 'output' event carries every sandbox's chunks with its id", async () => {
    const events: { id: string; text: string }[] = []
    const listener = (e: { id: string; text: string }) => events.push({ id: e.id, text: e.text })
    manager.on('output', listener)
    try {
      const sb = await manager.create({ type: 'docker' })
      const result = await sb.execute({ code: 'echo hello', language: 'shell' })
      await sb.destroy()
      expect(result.stdout).toBe('hello\n')
      expect(events).toEqual([{ id: sb.id, text: 'hello\n' }])
    } finally {
      manager.off('output', listener)
    }
  })

  it('an onOutput that throws is dropped for the run, which goes on and is reported as a warning', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.name)
    process.on('warning', onWarning)
    try {
      let calls = 0
      const sb = await manager.create({ type: 'docker' })
      const result = await sb.execute({
        code: 'echo one; sleep 0.2; echo two',
        language: 'shell',
        onOutput: () => {
          calls++
          throw new Error('listener failed')
        },
      })
      await sb.destroy()
      expect(result).toMatchObject({ status: 'ok', stdout: 'one\ntwo\n' })
      expect(calls).toBe(1)
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings).toEqual(['SandtierOutputListenerWarning'])
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('onOutput that is not a function is refused naming it, and nothing runs', async () => {
    const sb = await manager.create({ type: 'docker' })
    try {
      const attempt = sb.execute({ code: 'echo x', onOutput: 'print' as never })
      await expect(attempt).rejects.toBeInstanceOf(ConfigError)
      await expect(attempt).rejects.toMatchObject({ option: 'onOutput' })
    } finally {
      await sb.destroy()
    }
  })
})
