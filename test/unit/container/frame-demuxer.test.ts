import { describe, expect, it } from 'vitest'
import { FrameDemuxer, type OutputStream } from '../../../src/tiers/container/frame-demuxer.js'

function frame(type: number, payload: string): Buffer {
  const body = Buffer.from(payload)
  const header = Buffer.alloc(8)
  header[0] = type
  header.writeUInt32BE(body.length, 4)
  return Buffer.concat([header, body])
}

function collect(chunks: Buffer[]): Array<[OutputStream, string]> {
  const out: Array<[OutputStream, string]> = []
  const demuxer = new FrameDemuxer((stream, payload) => out.push([stream, payload.toString()]))
  for (const c of chunks) demuxer.push(c)
  return out
}

describe('FrameDemuxer', () => {
  it('splits stdout and stderr frames', () => {
    expect(collect([Buffer.concat([frame(1, 'out'), frame(2, 'err')])])).toEqual([
      ['stdout', 'out'],
      ['stderr', 'err'],
    ])
  })

  it('handles headers and payloads split across chunks, byte by byte', () => {
    const raw = Buffer.concat([frame(1, 'hello'), frame(2, 'world')])
    const bytes = [...raw].map((b) => Buffer.from([b]))
    const joined = collect(bytes).reduce<Record<string, string>>((acc, [s, p]) => {
      acc[s] = (acc[s] ?? '') + p
      return acc
    }, {})
    expect(joined).toEqual({ stdout: 'hello', stderr: 'world' })
  })

  it('drops stdin frames, even when their payload spans chunks', () => {
    const raw = Buffer.concat([frame(0, 'secret-stdin'), frame(1, 'x')])
    expect(collect([raw.subarray(0, 12), raw.subarray(12)])).toEqual([['stdout', 'x']])
  })

  it('reports frame boundaries and rejects unknown stream types', () => {
    const demuxer = new FrameDemuxer(() => undefined)
    demuxer.push(frame(1, 'abc').subarray(0, 9))
    expect(demuxer.atFrameBoundary).toBe(false)
    demuxer.push(Buffer.from('bc'))
    expect(demuxer.atFrameBoundary).toBe(true)
    expect(() => demuxer.push(frame(7, 'x'))).toThrow(/unexpected frame type 7/)
  })
})
