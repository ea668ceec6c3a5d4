/**
 * The imports a guest module may have, with their exact function types. V8 does not type-check imports that
 * are JS functions at link time, so the host checks every signature here before instantiating.
 */
import type { FuncType, ValType } from './module-inspect.js'

/** The module name of WASI preview 1 imports. */
export const WASI_MODULE = 'wasi_snapshot_preview1'
/** The module name of the sandtier guest library's imports. */
export const SANDTIER_MODULE = 'sandtier'
/** The module name under which a raw module imports the sandbox's `hostFunctions` (numeric only). */
export const HOST_MODULE = 'host'

const CODES: Record<string, ValType> = { i: 'i32', I: 'i64', f: 'f32', F: 'f64' }

// Compact notation: 'ii:i' is (i32, i32) -> (i32); I is i64, F is f64.
function sig(notation: string): FuncType {
  const [params = '', results = ''] = notation.split(':')
  const decode = (s: string): ValType[] => [...s].map((c) => CODES[c] ?? 'i32')
  return { params: decode(params), results: decode(results) }
}

function table(entries: Record<string, string>): ReadonlyMap<string, FuncType> {
  return new Map(Object.entries(entries).map(([name, notation]) => [name, sig(notation)]))
}

/** AssemblyScript runtime imports (`env`): abort, trace, seed, Date.now and console. */
export const ENV_FUNCTIONS = table({
  abort: 'iiii:',
  trace: 'iiFFFFF:',
  seed: ':F',
  'Date.now': ':F',
  'console.log': 'i:',
  'console.debug': 'i:',
  'console.info': 'i:',
  'console.warn': 'i:',
  'console.error': 'i:',
  'console.assert': 'ii:',
})

/** The guest library's imports (asm/sandtier): pointer/length pairs into the guest's memory. */
export const SANDTIER_FUNCTIONS = table({
  input_size: ':i',
  read: 'ii:',
  output: 'ii:',
  log: 'ii:',
  log_error: 'ii:',
  fetch: 'ii:i',
  call: 'iiii:i',
})

/**
 * WASI preview 1, minus sockets: the network is reachable only through the policy-checked `fetch`.
 * Implemented by @wasmer/wasi over an in-memory filesystem; stdout, stderr and exit are handled by the host.
 */
export const WASI_FUNCTIONS = table({
  args_get: 'ii:i',
  args_sizes_get: 'ii:i',
  environ_get: 'ii:i',
  environ_sizes_get: 'ii:i',
  clock_res_get: 'ii:i',
  clock_time_get: 'iIi:i',
  fd_advise: 'iIIi:i',
  fd_allocate: 'iII:i',
  fd_close: 'i:i',
  fd_datasync: 'i:i',
  fd_fdstat_get: 'ii:i',
  fd_fdstat_set_flags: 'ii:i',
  fd_fdstat_set_rights: 'iII:i',
  fd_filestat_get: 'ii:i',
  fd_filestat_set_size: 'iI:i',
  fd_filestat_set_times: 'iIIi:i',
  fd_pread: 'iiiIi:i',
  fd_prestat_get: 'ii:i',
  fd_prestat_dir_name: 'iii:i',
  fd_pwrite: 'iiiIi:i',
  fd_read: 'iiii:i',
  fd_readdir: 'iiiIi:i',
  fd_renumber: 'ii:i',
  fd_seek: 'iIii:i',
  fd_sync: 'i:i',
  fd_tell: 'ii:i',
  fd_write: 'iiii:i',
  path_create_directory: 'iii:i',
  path_filestat_get: 'iiiii:i',
  path_filestat_set_times: 'iiiiIIi:i',
  path_link: 'iiiiiii:i',
  path_open: 'iiiiiIIii:i',
  path_readlink: 'iiiiii:i',
  path_remove_directory: 'iii:i',
  path_rename: 'iiiiii:i',
  path_symlink: 'iiiii:i',
  path_unlink_file: 'iii:i',
  poll_oneoff: 'iiii:i',
  proc_exit: 'i:',
  proc_raise: 'i:i',
  sched_yield: ':i',
  random_get: 'ii:i',
})

const NUMERIC = new Set<ValType>(['i32', 'i64', 'f32', 'f64'])

/** True when two function types are identical. */
export function sameFuncType(a: FuncType, b: FuncType): boolean {
  return (
    a.params.length === b.params.length &&
    a.results.length === b.results.length &&
    a.params.every((t, i) => t === b.params[i]) &&
    a.results.every((t, i) => t === b.results[i])
  )
}

/** Host functions are bridged with numbers only: numeric params, at most one numeric result. */
export function isNumericHostSignature(type: FuncType): boolean {
  return (
    type.params.every((t) => NUMERIC.has(t)) &&
    type.results.every((t) => NUMERIC.has(t)) &&
    type.results.length <= 1
  )
}
