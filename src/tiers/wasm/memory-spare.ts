/**
 * Reuse of a run's linear memory by the next run of the same worker. Most of the cost of instantiating a
 * small module is the kernel's first-touch page faults on a new memory (about 0.1 ms of the 0.11 ms measured
 * for 64 KiB); zero-filling a used one costs microseconds. A memory is reused only when it never grew (so its
 * size is its initial size) and has the same maximum, and it is zero-filled right before it is handed out: the
 * next guest cannot tell it from a new one, and nothing of the previous run survives.
 */
import { WASM_PAGE_BYTES } from '../../config.js'

/** Only memories this small (pages) are kept, so an idle worker stays light. */
const MAX_SPARE_PAGES = 16

export interface MemoryShape {
  initial: number
  maximum: number
}

let spare: { shape: MemoryShape; memory: WebAssembly.Memory } | undefined

/** A zeroed memory of this shape: the last run's when it fits, else a new one. */
export function takeMemory(shape: MemoryShape): WebAssembly.Memory {
  const kept = spare
  spare = undefined
  if (
    kept !== undefined &&
    kept.shape.initial === shape.initial &&
    kept.shape.maximum === shape.maximum &&
    kept.memory.buffer.byteLength === shape.initial * WASM_PAGE_BYTES
  ) {
    new Uint8Array(kept.memory.buffer).fill(0)
    return kept.memory
  }
  return new WebAssembly.Memory(shape)
}

/** Keeps a finished run's memory for the next run, if it is small and never grew. */
export function recycleMemory(shape: MemoryShape, memory: WebAssembly.Memory): void {
  if (
    shape.initial > MAX_SPARE_PAGES ||
    memory.buffer.byteLength !== shape.initial * WASM_PAGE_BYTES
  )
    return
  spare = { shape: { ...shape }, memory }
}
