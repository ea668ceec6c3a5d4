/**
 * Parts of the guest prelude, each compiled in the context by the core (see prelude.ts). Each source is a
 * function expression `(P, part) => api`: P holds the intrinsics and natives the core captured before user
 * code ran (the primordials), and `part(name)` gives another part. A part never reads a global nor calls a
 * method looked up on a guest-reachable object, so user code that replaced a built-in cannot change what a
 * part does; it only ever runs guest code by reading the guest's own values (getters, thenables, Proxies).
 *
 * Every string a part hands to a native is bounded inside the guest first (a too-large marker, a clipped
 * text), and the native checks the length again before it copies anything out (bounded-read.ts).
 *
 * This file is the list of parts; each part's source is in prelude-<name>.ts.
 */
import { COPY } from './prelude-copy.js'
import { DESCRIBE } from './prelude-describe.js'
import { TIMERS } from './prelude-timers.js'
import { COMPLETE } from './prelude-complete.js'
import { HOST } from './prelude-host.js'
import { INSPECT } from './prelude-inspect.js'
import { CONSOLE } from './prelude-console.js'
import { FORMAT } from './prelude-format.js'
import { GLOBALS } from './prelude-globals.js'
import { URL_PART } from './prelude-url.js'
import { FS_PART } from './prelude-fs.js'
export type PreludePartName =
  | 'complete'
  | 'copy'
  | 'describe'
  | 'inspect'
  | 'format'
  | 'console'
  | 'timers'
  | 'host'
  | 'globals'
  | 'url'
  | 'fs'

export const PRELUDE_PARTS: Readonly<Record<PreludePartName, string>> = {
  complete: COMPLETE,
  copy: COPY,
  describe: DESCRIBE,
  inspect: INSPECT,
  format: FORMAT,
  console: CONSOLE,
  timers: TIMERS,
  host: HOST,
  globals: GLOBALS,
  url: URL_PART,
  fs: FS_PART,
}

export function isPreludePart(name: string): name is PreludePartName {
  return Object.hasOwn(PRELUDE_PARTS, name)
}
