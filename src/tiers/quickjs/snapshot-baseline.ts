/**
 * Names the ready-context image a sandbox image was taken against (worker side), so a snapshot is only
 * ever written into a module whose ready state is the same bytes: another prelude or QuickJS build would
 * put the sandbox's pages over other objects. The seed of Math.random, the one byte range that differs
 * between modules (context-image.ts), is left out.
 */
import { createHash } from 'node:crypto'
import { contextPointer } from './context-image.js'
import type { GuestContext } from './guest-context.js'
import type { ImageSource } from './guest-image.js'

const ids = new WeakMap<ImageSource, string>()

/** A hash of the ready image's static data and heap, seed zeroed; `guest` matches the image. */
export function baselineIdOf(source: ImageSource, guest: GuestContext): string {
  const known = ids.get(source)
  if (known !== undefined) return known
  const { data, heap } = source.baseline
  const seedAt = contextPointer(guest.context) + source.layout.seedOffset - source.layout.stackHigh
  const heapCopy = heap.slice()
  if (seedAt >= 0 && seedAt + 8 <= heapCopy.length) heapCopy.fill(0, seedAt, seedAt + 8)
  const id = createHash('sha256').update(data).update(heapCopy).digest('hex').slice(0, 32)
  ids.set(source, id)
  return id
}
