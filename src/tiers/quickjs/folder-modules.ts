/**
 * The module loader of a quickjs sandbox: `import fs from 'fs'` ('node:fs', 'fs/promises') gets the fs part
 * (prelude-fs.ts) through the guest's `require`; any other built-in asks for its capability (the run stops
 * with ERR_CAPABILITY_REQUIRED and moves to a container), and every other module is refused.
 *
 * The module's source reads the `require` global: a guest that replaced it imports its own object, which
 * changes only what that guest sees.
 */
import { capabilityOfModule, SERVED_MODULES } from './capabilities.js'
import { FS_EXPORT_NAMES, FS_PROMISES_EXPORT_NAMES } from './prelude-fs.js'
import type { RunState } from './run-state.js'

function moduleSource(specifier: string, names: readonly string[]): string {
  return `const m = require(${JSON.stringify(specifier)}); export default m; export const { ${names.join(', ')} } = m`
}

const FS_SOURCE = moduleSource('fs', FS_EXPORT_NAMES)
const FS_PROMISES_SOURCE = moduleSource('fs/promises', FS_PROMISES_EXPORT_NAMES)

type LoaderAnswer = string | { error: Error }

/** A module loader for `runtime.setModuleLoader`, acting on the run `run()` gives. */
export function guestModuleLoader(run: () => RunState | undefined): (name: string) => LoaderAnswer {
  return (name) => {
    if (SERVED_MODULES.has(name)) return name.endsWith('promises') ? FS_PROMISES_SOURCE : FS_SOURCE
    const capability = capabilityOfModule(name)
    if (capability) run()?.requireCapability(capability)
    return {
      error: new Error(`Cannot import "${name}": modules are not available in the quickjs tier`),
    }
  }
}
