import { describe, expect, it } from 'vitest'
import { GuestFault, GuestMemory } from '../../../src/tiers/wasm/guest-memory.js'

function memoryWith(bytes: number[], at = 0): WebAssembly.Memory {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 })
  new Uint8Array(memory.buffer).set(bytes, at)
  return memory
}

// An AssemblyScript string: u32 class id (2, String) and u32 byte length, then UTF-16LE code units.
function asString(text: string, at: number, id = 2): number[] {
  const bytes = [...Buffer.from(text, 'utf16le')]
  const header = [id, 0, 0, 0, bytes.length & 0xff, (bytes.length >> 8) & 0xff, 0, 0]
  return [...new Array<number>(at - 8).fill(0), ...header, ...bytes]
}

describe('GuestMemory', () => {
  it('reads and writes in bounds', () => {
    const memory = new GuestMemory(memoryWith([...Buffer.from('hello')], 100))
    expect(memory.readUtf8(100, 5, 16, 'log')).toBe('hello')
    memory.write(200, Uint8Array.from([1, 2]), 'read')
    expect([...memory.read(200, 2, 2, 'x')]).toEqual([1, 2])
  })

  it.each([
    [0xffffff00, 16],
    [-1, 10],
    [65534, 4],
    [0, -1],
    [0, 0x7fffffff],
  ])('faults on ptr %d, len %d without allocating', (ptr, len) => {
    const memory = new GuestMemory(memoryWith([]))
    expect(() => memory.read(ptr, len, 1024, 'log')).toThrow(GuestFault)
  })

  it('re-derives its view after the memory grows', () => {
    const raw = memoryWith([])
    const memory = new GuestMemory(raw)
    raw.grow(1)
    memory.write(65536 + 10, Uint8Array.from([9]), 'grown')
    expect(memory.read(65536 + 10, 1, 1, 'grown')[0]).toBe(9)
  })

  it('decodes AssemblyScript strings and refuses hostile headers (C12)', () => {
    const memory = new GuestMemory(memoryWith(asString('boom', 64)))
    expect(memory.readAsString(64)).toBe('boom')
    expect(memory.readAsString(0xfffffff0)).toBe('<invalid string>')
    expect(memory.readAsString(2)).toBe('<invalid string>')
    const huge = new GuestMemory(memoryWith([2, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f], 56))
    expect(huge.readAsString(64)).toBe('<invalid string>')
  })

  it('refuses a pointer that is not 4-aligned or not to a String object (the loader reads headers by u32 index)', () => {
    const memory = new GuestMemory(memoryWith(asString('boom', 64)))
    expect(memory.readAsString(66)).toBe('<invalid string>')
    const notString = new GuestMemory(memoryWith(asString('boom', 64, 1)))
    expect(notString.readAsString(64)).toBe('<invalid string>')
  })

  it('keeps lone surrogates as the guest wrote them (WTF-16, as the loader decodes)', () => {
    const memory = new GuestMemory(memoryWith(asString('a\ud800b', 64)))
    expect(memory.readAsString(64)).toBe('a\ud800b')
  })

  it('reads a string of exactly the cap whole, and copies no more than the cap of a longer one', () => {
    const exact = new GuestMemory(memoryWith(asString('y'.repeat(4096), 64)))
    expect(exact.readAsString(64)).toBe('y'.repeat(4096))
    // A header claiming the whole memory: only the cap is decoded, with no fault.
    const raw = memoryWith(asString('z'.repeat(5000), 64))
    new DataView(raw.buffer).setUint32(60, 65536 - 64, true)
    expect(new GuestMemory(raw).readAsString(64)).toBe(`${'z'.repeat(4096)}…`)
  })

  it('caps long AssemblyScript strings', () => {
    const memory = new GuestMemory(memoryWith(asString('x'.repeat(5000), 64)))
    expect(memory.readAsString(64)).toHaveLength(4097)
  })

  it('faults when the module has no memory', () => {
    expect(() => new GuestMemory(undefined).read(0, 1, 1, 'log')).toThrow(/has no memory/)
  })
})
