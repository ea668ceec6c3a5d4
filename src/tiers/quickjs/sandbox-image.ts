/**
 * A quiescent memory image of one sandbox's QuickJS module, taken in the worker between runs and kept by
 * the host, so the sandbox's state survives the termination of its worker (issue 22): when another
 * sandbox's run is stuck in a built-in and its worker is terminated, every idle sandbox of that worker is
 * rebuilt on a new worker from its image instead of losing its globals.
 *
 * Why this is sound: between runs nothing on the module's stack is live, no timer or host call is pending,
 * and a module that matched the ready-context image when built has its host-side wrappers (runtime, context,
 * prelude handles) at the same addresses as any other such module (context-image.ts). Writing a sandbox's
 * bytes into a fresh matching module therefore gives the same sandbox.
 *
 * Only what differs from the ready-context image is kept: the 4 KiB pages of static data and heap (up to the
 * sandbox's break) that differ from it, and above the image's heap only the pages that are not all zero. A
 * small REPL sandbox keeps a few dozen KiB; one that filled its heap keeps up to its memory limit, which is
 * why images are bounded (`MAX_IMAGE_BYTES`) and a larger sandbox is reset as before.
 */
import { MiB } from '../../config.js'
import type { MemoryImage } from '../tier.js'
import type { ImageLayout } from './context-image.js'

export const IMAGE_PAGE_BYTES = 4096

/** The largest image kept for one sandbox: above it, the sandbox's state is not protected. */
export const MAX_IMAGE_BYTES = 16 * MiB

/** The ready-context image the pages are compared with: static data and heap from the stack's top. */
export interface ImageBaseline {
  data: Uint8Array
  heap: Uint8Array
}

/** The pages that differ from the ready-context image (the tier contract's MemoryImage). */
export type SandboxImage = MemoryImage

/**
 * The pages of `memory` that differ from the baseline, or undefined when the image would pass `maxBytes`
 * (a snapshot allows the whole memory) or the break looks wrong.
 */
export function captureSandboxImage(
  layout: ImageLayout,
  memory: WebAssembly.Memory,
  baseline: ImageBaseline,
  maxBytes = MAX_IMAGE_BYTES,
): SandboxImage | undefined {
  const all = new Uint8Array(memory.buffer)
  const brk = new DataView(memory.buffer).getUint32(layout.brkAddress, true)
  if (brk < layout.stackHigh || brk > all.length) return undefined
  const starts: number[] = []
  const chunks: Uint8Array[] = []
  let kept = 0
  const keep = (from: number, to: number): boolean => {
    starts.push(from)
    chunks.push(all.subarray(from, to))
    kept += to - from
    return kept <= maxBytes
  }
  const buf = Buffer.from(memory.buffer)
  const data = Buffer.from(baseline.data.buffer, baseline.data.byteOffset, baseline.data.length)
  const heap = Buffer.from(baseline.heap.buffer, baseline.heap.byteOffset, baseline.heap.length)
  for (let at = 0; at < layout.dataEnd; at += IMAGE_PAGE_BYTES) {
    const end = Math.min(at + IMAGE_PAGE_BYTES, layout.dataEnd)
    if (buf.compare(data, at, end, at, end) !== 0 && !keep(at, end)) return undefined
  }
  const heapEnd = layout.stackHigh + heap.length
  for (let at = layout.stackHigh; at < brk; at += IMAGE_PAGE_BYTES) {
    const end = Math.min(at + IMAGE_PAGE_BYTES, brk)
    const differs =
      at < heapEnd
        ? end > heapEnd ||
          buf.compare(heap, at - layout.stackHigh, end - layout.stackHigh, at, end) !== 0
        : buf.compare(ZERO_PAGE, 0, end - at, at, end) !== 0
    if (differs && !keep(at, end)) return undefined
  }
  const bytes = new Uint8Array(kept)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.length
  }
  return {
    memoryBytes: all.length,
    brk,
    baseHeapEnd: heapEnd,
    pages: Uint32Array.from(starts),
    bytes,
  }
}

/**
 * Writes an image into a module whose wrappers match the ready-context image (its context was built from
 * a module that matched it) and whose memory is at least `image.memoryBytes` long: the baseline first,
 * everything above the baseline's heap cleared, then the image's pages.
 * @throws Error when the memory is too small or the image is malformed.
 */
export function restoreSandboxImage(
  layout: ImageLayout,
  memory: WebAssembly.Memory,
  baseline: ImageBaseline,
  image: SandboxImage,
): void {
  const all = new Uint8Array(memory.buffer)
  if (
    all.length < image.memoryBytes ||
    image.brk > image.memoryBytes ||
    image.baseHeapEnd !== layout.stackHigh + baseline.heap.length
  )
    throw new Error('sandbox image does not fit this module')
  all.set(baseline.data, 0)
  all.set(baseline.heap, layout.stackHigh)
  all.fill(0, image.baseHeapEnd)
  // Pages are written in order; each one's length is up to the next page, the range's end or the break.
  let offset = 0
  for (let i = 0; i < image.pages.length; i++) {
    const at = image.pages[i] as number
    const previous = i === 0 ? -1 : (image.pages[i - 1] as number)
    // Pages start at a page of static data or of the heap (from the stack's top), in order, in bounds.
    const start = at < layout.dataEnd ? 0 : layout.stackHigh
    if (at < start || (at - start) % IMAGE_PAGE_BYTES !== 0 || at <= previous || at >= image.brk)
      throw new Error('sandbox image is malformed')
    const limit = at < layout.dataEnd ? layout.dataEnd : image.brk
    const length = Math.min(IMAGE_PAGE_BYTES, limit - at)
    if (length <= 0 || offset + length > image.bytes.length)
      throw new Error('sandbox image is malformed')
    all.set(image.bytes.subarray(offset, offset + length), at)
    offset += length
  }
  if (offset !== image.bytes.length) throw new Error('sandbox image is malformed')
}

const ZERO_PAGE = Buffer.alloc(IMAGE_PAGE_BYTES)
