// Runs Python source through the reactor under node:wasi, as the build's last check and a minimal example of the
// host side: node smoke.mjs ARTIFACT_DIR 'print(1+1)' prints what the guest printed and exits with its status.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { WASI } from 'node:wasi'

const [dir, source = 'print(1+1)'] = process.argv.slice(2)
const PAGE_BYTES = 65536
const MAX_MEMORY_BYTES = 256 * 1024 * 1024

const module = await WebAssembly.compile(await readFile(join(dir, 'python.wasm')))
const initialPages = WebAssembly.Module.imports(module).find((i) => i.name === 'memory') ? 320 : 0
const memory = new WebAssembly.Memory({
  initial: initialPages,
  maximum: MAX_MEMORY_BYTES / PAGE_BYTES,
})
const wasi = new WASI({
  version: 'preview1',
  args: ['python3'],
  env: {},
  preopens: { '/usr/local/lib': dir },
})
const instance = await WebAssembly.instantiate(module, {
  ...wasi.getImportObject(),
  env: { memory },
})
wasi.initialize(instance)
const exports = instance.exports
const init = exports.sandtier_init()
if (init !== 0) process.exit(100 + init)
const bytes = Buffer.from(source, 'utf8')
const pointer = exports.sandtier_alloc(bytes.length)
new Uint8Array(memory.buffer, pointer, bytes.length).set(bytes)
const status = exports.sandtier_run(pointer, bytes.length)
exports.sandtier_free(pointer)
process.exitCode = status
