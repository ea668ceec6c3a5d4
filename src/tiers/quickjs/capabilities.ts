/**
 * What a QuickJS guest asks for that the tier cannot give: Node built-in modules (fs, child_process, net, …),
 * CommonJS `require` and the `process` object. Found statically before the code runs (imports, `require(…)`,
 * `process.x`) or at run time (a dynamic import of a built-in, through the module loader), it ends the run
 * with ERR_CAPABILITY_REQUIRED so the manager can move the job to a container, where Node has them.
 *
 * Served in the tier (SERVED_MODULES): 'fs' and 'fs/promises' on the sandbox's in-memory folder
 * (prelude-fs.ts), through a `require` global that serves only them and through the module loader
 * (folder-modules.ts). They are not a capability here; what that fs cannot do (a path outside /work, streams,
 * descriptors…) asks for the 'fs' capability at run time, so the job still moves to a container.
 */
import { builtinModules } from 'node:module'
import { parse, type Node } from 'acorn'

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))
const HINT = /\b(?:require|import|export|process)\b/

/** Built-in modules the quickjs tier serves itself (prelude-fs.ts). */
export const SERVED_MODULES: ReadonlySet<string> = new Set([
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
])

/** The capability a module specifier needs, e.g. 'fs' for 'node:fs/promises'; undefined when not built in. */
export function capabilityOfModule(specifier: string): string | undefined {
  if (!BUILTINS.has(specifier) && !specifier.startsWith('node:')) return undefined
  const bare = specifier.replace(/^node:/, '')
  return bare.split('/')[0]
}

/** The first capability the source visibly needs, without running it. */
export function detectCapability(
  code: string,
  sourceType: 'script' | 'module',
): string | undefined {
  if (!HINT.test(code)) return undefined
  let program: Node
  try {
    program = parse(code, { ecmaVersion: 'latest', sourceType, allowAwaitOutsideFunction: true })
  } catch {
    return undefined
  }
  return findCapability(program)
}

function findCapability(node: Node): string | undefined {
  const n = node as Node & Record<string, unknown>
  switch (node.type) {
    case 'ImportDeclaration':
    case 'ExportAllDeclaration':
    case 'ExportNamedDeclaration':
    case 'ImportExpression': {
      const source = n['source'] as { type: string; value?: unknown } | null
      if (source?.type === 'Literal' && typeof source.value === 'string') {
        const capability = SERVED_MODULES.has(source.value)
          ? undefined
          : capabilityOfModule(source.value)
        if (capability) return capability
      }
      break
    }
    case 'CallExpression': {
      const callee = n['callee'] as { type: string; name?: string }
      const [first] = n['arguments'] as { type: string; value?: unknown }[]
      if (callee.type === 'Identifier' && callee.name === 'require') {
        // require('lodash') cannot be served anywhere; require(name) might be a built-in.
        if (first?.type !== 'Literal') return 'require'
        const capability =
          typeof first.value === 'string' && !SERVED_MODULES.has(first.value)
            ? capabilityOfModule(first.value)
            : undefined
        if (capability) return capability
      }
      break
    }
    case 'MemberExpression': {
      const object = n['object'] as { type: string; name?: string }
      if (object.type === 'Identifier' && object.name === 'process') return 'process'
      break
    }
  }
  for (const value of Object.values(n)) {
    if (Array.isArray(value)) {
      for (const child of value) {
        const found = isNode(child) ? findCapability(child) : undefined
        if (found) return found
      }
    } else if (isNode(value)) {
      const found = findCapability(value)
      if (found) return found
    }
  }
  return undefined
}

function isNode(value: unknown): value is Node {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string'
  )
}
