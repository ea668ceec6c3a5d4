/**
 * Sandbox images for guests in a worker (sandbox-image.ts): taken after each run of a sandbox that lives on,
 * and written into a fresh guest when the host rebuilds a sandbox whose worker was terminated. Runs in the
 * guest worker.
 */
import type { ImageLayout } from './context-image.js'
import type { GuestContext } from './guest-context.js'
import {
  captureSandboxImage,
  restoreSandboxImage,
  type ImageBaseline,
  type SandboxImage,
} from './sandbox-image.js'

/** What images are taken against: the ready-context layout and image, when the build supports them. */
export interface ImageSource {
  layout: ImageLayout
  baseline: ImageBaseline
  /** True for guests whose wrappers match the ready-context image (built from a matching module). */
  matches(guest: GuestContext): boolean
}

/**
 * The guest's state as an image, or undefined when it cannot be kept (past `maxBytes`, @default
 * MAX_IMAGE_BYTES).
 */
export function takeGuestImage(
  source: ImageSource,
  guest: GuestContext,
  maxBytes?: number,
): SandboxImage | undefined {
  if (!source.matches(guest)) return undefined
  return captureSandboxImage(source.layout, guest.memory, source.baseline, maxBytes)
}

/**
 * Makes a fresh guest the sandbox of `image`: grows its memory to the image's size through its own
 * allocator (so the module's views of its memory follow), then writes the image. False when it cannot:
 * the guest does not match the ready image, or its memory cannot grow that far.
 */
export function restoreGuestImage(
  source: ImageSource,
  guest: GuestContext,
  image: SandboxImage,
): boolean {
  if (!source.matches(guest)) return false
  if (!growMemory(guest, image.memoryBytes)) return false
  try {
    restoreSandboxImage(source.layout, guest.memory, source.baseline, image)
    return true
  } catch {
    return false
  }
}

/**
 * Grows the guest's memory to at least `bytes` by allocating in its context: emscripten grows the memory
 * and refreshes its views only on its own allocation path, never when the memory is grown from outside.
 * The allocations are kept until the memory is large enough (a freed one would be reused by the next, and
 * the memory never grow); the image then overwrites all of it.
 */
function growMemory(guest: GuestContext, bytes: number): boolean {
  const ctx = guest.context
  for (let tries = 0; guest.memory.buffer.byteLength < bytes && tries < 8; tries++) {
    const missing = bytes - guest.memory.buffer.byteLength
    const result = ctx.evalCode(
      `(globalThis.__sandtierGrow ??= []).push(new ArrayBuffer(${String(missing)})); 0`,
    )
    const failed = result.error !== undefined
    ;(result.error ?? result.value).dispose()
    if (failed) break
  }
  return guest.memory.buffer.byteLength >= bytes
}
