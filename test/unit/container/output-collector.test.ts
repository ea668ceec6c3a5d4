import { describe, expect, it, vi } from 'vitest'
import {
  OutputCollector,
  partialMarkerLength,
} from '../../../src/tiers/container/output-collector.js'

const nonce = 'abc123'
const report = (json: string): string => `\0sandtier:${nonce}:${json}\n`

function collector(maxOutputBytes = 1024, onLimit = vi.fn()): OutputCollector {
  return new OutputCollector({ maxOutputBytes, nonce, maxReportBytes: 256, onLimit })
}

describe('OutputCollector', () => {
  it('strips the report from stderr and keeps guest output intact', () => {
    const c = collector()
    c.write('stdout', Buffer.from('out\n'))
    c.write('stderr', Buffer.from('warn'))
    c.write('stderr', Buffer.from(report('{"value":42}')))
    expect(c.finish()).toMatchObject({
      stdout: 'out\n',
      stderr: 'warn',
      report: '{"value":42}',
      truncated: false,
    })
  })

  it('finds a report split at every possible byte', () => {
    const raw = Buffer.from(`guest line\n${report('{"value":[1,2]}')}`)
    for (let cut = 1; cut < raw.length; cut++) {
      const c = collector()
      c.write('stderr', raw.subarray(0, cut))
      c.write('stderr', raw.subarray(cut))
      expect(c.finish()).toMatchObject({ stderr: 'guest line\n', report: '{"value":[1,2]}' })
    }
  })

  it('gives back held bytes that turned out not to be the marker', () => {
    const c = collector()
    c.write('stderr', Buffer.from('a\n'))
    c.write('stderr', Buffer.from('\0b'))
    expect(c.finish()).toMatchObject({ stderr: 'a\n\0b', report: undefined })
  })

  it('treats output after the report line as guest output again', () => {
    const c = collector()
    c.write('stderr', Buffer.from(`${report('{}')}late`))
    expect(c.finish()).toMatchObject({ stderr: 'late', report: '{}' })
  })

  it('never looks for a report on stdout or without a nonce', () => {
    const c = collector()
    c.write('stdout', Buffer.from(report('{"value":1}')))
    expect(c.finish().report).toBeUndefined()
    const plain = new OutputCollector({
      maxOutputBytes: 100,
      nonce: undefined,
      maxReportBytes: 10,
      onLimit: () => undefined,
    })
    plain.write('stderr', Buffer.from(report('{"value":1}')))
    expect(plain.finish()).toMatchObject({ report: undefined, stderr: report('{"value":1}') })
  })

  it('caps stdout and stderr together and calls onLimit once', () => {
    const onLimit = vi.fn()
    const c = collector(10, onLimit)
    c.write('stdout', Buffer.from('123456'))
    c.write('stderr', Buffer.from('7890ab'))
    c.write('stdout', Buffer.from('more'))
    const out = c.finish()
    expect(out).toMatchObject({
      stdout: '123456',
      stderr: '7890',
      truncated: true,
      outputBytes: 16,
    })
    expect(onLimit).toHaveBeenCalledTimes(1)
    expect(c.exceeded).toBe(true)
  })

  it('does not count the report against the output limit, but flags an oversized report', () => {
    const c = collector(4)
    c.write('stderr', Buffer.from(report(`{"value":"${'x'.repeat(300)}"}`)))
    expect(c.finish()).toMatchObject({ truncated: false, report: undefined, reportTooLarge: true })
  })

  it('K5: stops the run once a forged report line that never ends passes maxReportBytes', () => {
    const onLimit = vi.fn()
    const c = collector(1024, onLimit)
    c.write('stderr', Buffer.from(`\0sandtier:${nonce}:{"value":"`))
    c.write('stderr', Buffer.alloc(200, 0x78))
    expect(onLimit).not.toHaveBeenCalled()
    c.write('stderr', Buffer.alloc(100, 0x78))
    expect(onLimit).toHaveBeenCalledTimes(1)
    expect(c.exceeded).toBe(true)
    // The flood goes on until the kill lands: nothing more is kept, onLimit is not called again.
    for (let i = 0; i < 100; i++) c.write('stderr', Buffer.alloc(64 * 1024, 0x78))
    expect(onLimit).toHaveBeenCalledTimes(1)
    expect(c.finish()).toMatchObject({ report: undefined, reportTooLarge: true, stderr: '' })
  })

  it("splits off run-guest.sh's end line when it ends stderr, at every cut", () => {
    const end = `\0sandtier-end:e1\n`
    const raw = Buffer.from(`warn${report('{"value":1}')}${end}`)
    for (let cut = 1; cut < raw.length; cut++) {
      const c = new OutputCollector({
        maxOutputBytes: 100,
        nonce,
        endNonce: 'e1',
        maxReportBytes: 256,
        onLimit: () => undefined,
      })
      c.write('stderr', raw.subarray(0, cut))
      c.write('stderr', raw.subarray(cut))
      expect(c.finish()).toMatchObject({ stderr: 'warn', report: '{"value":1}', endVerified: true })
    }
  })

  it('does not vouch for a run when anything follows the end line, or the nonce differs', () => {
    const make = (): OutputCollector =>
      new OutputCollector({
        maxOutputBytes: 100,
        nonce: undefined,
        endNonce: 'e1',
        maxReportBytes: 256,
        onLimit: () => undefined,
      })
    const late = make()
    late.write('stderr', Buffer.from('\0sandtier-end:e1\nlate'))
    expect(late.finish()).toMatchObject({ endVerified: false, stderr: '\0sandtier-end:e1\nlate' })
    const forged = make()
    forged.write('stderr', Buffer.from('\0sandtier-end:e2\n'))
    expect(forged.finish().endVerified).toBe(false)
  })

  it('streams output in the order written: a stderr line is not held back behind the end line', () => {
    const kept: string[] = []
    const c = new OutputCollector({
      maxOutputBytes: 100,
      nonce,
      endNonce: 'e1',
      maxReportBytes: 256,
      onLimit: () => undefined,
      onKept: (stream, bytes) => kept.push(`${stream}:${bytes.toString()}`),
    })
    c.write('stdout', Buffer.from('out1\n'))
    c.write('stderr', Buffer.from('err1\n'))
    c.write('stdout', Buffer.from('out2\n'))
    // Only a tail that could begin the end line waits (here its first byte), then goes on.
    c.write('stderr', Buffer.from('err2\0'))
    c.write('stderr', Buffer.from('x\n'))
    c.write('stderr', Buffer.from(`${report('{"value":1}')}\0sandtier-end:e1\n`))
    expect(kept).toEqual([
      'stdout:out1\n',
      'stderr:err1\n',
      'stdout:out2\n',
      'stderr:err2',
      'stderr:\0x\n',
    ])
    expect(c.finish()).toMatchObject({
      stdout: 'out1\nout2\n',
      stderr: 'err1\nerr2\0x\n',
      report: '{"value":1}',
      endVerified: true,
    })
  })

  it('computes the longest partial marker suffix', () => {
    const marker = Buffer.from('\0sandtier:')
    expect(partialMarkerLength(Buffer.from('abc\n\0sand'), marker)).toBe(5)
    expect(partialMarkerLength(Buffer.from('abc'), marker)).toBe(0)
    // A line's end is not the start of a marker: it streams at once.
    expect(partialMarkerLength(Buffer.from('\n'), marker)).toBe(0)
    expect(partialMarkerLength(Buffer.from('x\0'), marker)).toBe(1)
    expect(partialMarkerLength(Buffer.from('x\0sandtier:'), marker)).toBe(0)
    expect(partialMarkerLength(Buffer.from('x\0sandtier:'), marker, true)).toBe(10)
  })
})
