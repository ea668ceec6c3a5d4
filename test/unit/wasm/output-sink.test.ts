import { describe, expect, it } from 'vitest'
import { OutputLimitReached, OutputSink } from '../../../src/tiers/wasm/output-sink.js'
import type { OutputEvent } from '../../../src/tiers/wasm/protocol.js'

describe('OutputSink', () => {
  it('keeps output under the limit and returns it on drain', () => {
    const sink = new OutputSink(100, () => undefined)
    sink.write('stdout', 'a\n')
    sink.write('stderr', 'b\n')
    expect(sink.drain()).toEqual({ stdout: 'a\n', stderr: 'b\n' })
    expect(sink.room).toBe(96)
  })

  it('keeps what fits and throws at the limit, counting bytes not chars', () => {
    const sink = new OutputSink(5, () => undefined)
    sink.write('stdout', 'é')
    expect(() => sink.write('stdout', 'abcdef')).toThrow(OutputLimitReached)
    expect(sink.drain().stdout).toBe('éabc')
    expect(sink.truncated).toBe(true)
    expect(() => sink.write('stdout', 'x')).toThrow(OutputLimitReached)
  })

  it('streams large output to the host as it is written', () => {
    const events: OutputEvent[] = []
    const sink = new OutputSink(1 << 20, (e) => events.push(e))
    sink.write('stdout', 'x'.repeat(70_000))
    expect(events).toEqual([{ type: 'output', stream: 'stdout', text: 'x'.repeat(70_000) }])
    expect(sink.drain().stdout).toBe('')
  })
})
