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
    const events: Omit<OutputEvent, 'token'>[] = []
    const sink = new OutputSink(1 << 20, (e) => events.push(e))
    sink.write('stdout', 'x'.repeat(70_000))
    expect(events).toEqual([
      { type: 'output', pieces: [{ stream: 'stdout', text: 'x'.repeat(70_000) }] },
    ])
    expect(sink.drain().stdout).toBe('')
  })

  it('I14-5: a listened run posts its first write at once, then in the order written, and all at its end', () => {
    const events: Omit<OutputEvent, 'token'>[] = []
    const sink = new OutputSink(1 << 20, (e) => events.push(e), true)
    sink.write('stdout', 'a')
    sink.write('stderr', 'b')
    sink.write('stdout', 'c')
    sink.end()
    expect(events).toEqual([
      { type: 'output', pieces: [{ stream: 'stdout', text: 'a' }] },
      {
        type: 'output',
        pieces: [
          { stream: 'stderr', text: 'b' },
          { stream: 'stdout', text: 'c' },
        ],
      },
    ])
    expect(sink.drain()).toEqual({ stdout: '', stderr: '' })
  })

  it('I14-5: a character whose bytes come in two writes is kept whole', () => {
    const sink = new OutputSink(100, () => undefined)
    sink.writeBytes('stdout', new Uint8Array([0x63, 0xc3]))
    sink.writeBytes('stdout', new Uint8Array([0xa9]))
    sink.writeBytes('stderr', new Uint8Array([0xe2, 0x82]))
    sink.end()
    expect(sink.drain()).toEqual({ stdout: 'cé', stderr: '\ufffd' })
  })
})
