import { describe, expect, it } from 'vitest'
import { recycleMemory, takeMemory } from '../../../src/tiers/wasm/memory-spare.js'

const shape = { initial: 1, maximum: 4 }

describe('memory reuse between runs', () => {
  it('hands back the last memory zero-filled', () => {
    const first = takeMemory(shape)
    new Uint8Array(first.buffer).fill(0xaa)
    recycleMemory(shape, first)
    const second = takeMemory(shape)
    expect(second).toBe(first)
    expect(new Uint8Array(second.buffer).every((b) => b === 0)).toBe(true)
  })

  it('never reuses a memory that grew or has another shape', () => {
    const grown = takeMemory(shape)
    grown.grow(1)
    recycleMemory(shape, grown)
    expect(takeMemory(shape)).not.toBe(grown)
    const other = takeMemory(shape)
    recycleMemory(shape, other)
    expect(takeMemory({ initial: 1, maximum: 8 })).not.toBe(other)
    expect(takeMemory(shape)).not.toBe(other)
  })

  it('keeps only small memories', () => {
    const big = { initial: 32, maximum: 64 }
    const memory = takeMemory(big)
    recycleMemory(big, memory)
    expect(takeMemory(big)).not.toBe(memory)
  })
})
