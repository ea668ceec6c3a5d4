/**
 * Reads AssemblyScript strings out of a guest's memory with @assemblyscript/loader's `__getString`, without
 * ever handing the guest module to the loader.
 *
 * The loader's `instantiate*` cannot see a guest: it adds `Math` and `Date` namespaces (and `env.seed =
 * Date.now`) to the import object the module links against, and its `demangle` walks export names onto plain
 * objects, so an export named `constructor#toString` replaces `Object.prototype.toString` in the worker with a
 * call into the guest (reproduced with loader 0.28.20). So the loader instantiates a module of ours instead: it
 * imports the guest's memory and exports it as `memory`, which is all `__getString` reads. The guest links
 * against exactly the imports it had before, and no guest export name reaches the loader.
 *
 * `__getString` trusts the length in the string's header; callers check it against their cap first (see
 * GuestMemory.readAsString).
 */
import { instantiateSync } from '@assemblyscript/loader'

/** `(module (import "env" "memory" (memory 0)) (export "memory" (memory 0)))`, built by hand. */
// prettier-ignore
const MEMORY_VIEW_WASM = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // import section: env.memory, a memory of at least 0 pages and no maximum (any guest memory links)
  0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x00,
  // export section: "memory" is memory 0
  0x07, 0x0a, 0x01, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
])

let viewModule: WebAssembly.Module | undefined

/** Reads the AssemblyScript string at a pointer; throws when the object header's id is not a string's. */
export type AsStringReader = (ptr: number) => string

/**
 * One reader per guest memory, made on the first string read: most runs read none, and a worker's reused
 * memory (memory-spare.ts) keeps its reader across runs.
 */
const readers = new WeakMap<WebAssembly.Memory, AsStringReader>()

export function asStringReader(memory: WebAssembly.Memory): AsStringReader {
  let reader = readers.get(memory)
  if (reader === undefined) {
    viewModule ??= new WebAssembly.Module(MEMORY_VIEW_WASM)
    const imports = { env: { memory } }
    const { exports } = instantiateSync<Record<string, never>>(viewModule, imports)
    // A closure over the loader's view of this memory; it uses no `this`.
    reader = (ptr: number) => exports.__getString(ptr)
    readers.set(memory, reader)
  }
  return reader
}
