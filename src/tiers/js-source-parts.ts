/**
 * Source preparation shared by every tier that runs JavaScript (QuickJS in process, node in containers), so
 * TypeScript stripping and the "last expression is the value" rule are one implementation.
 */
import { parse, type ModuleDeclaration, type Program, type Statement } from 'acorn'
import { transform } from 'sucrase'

/** The hidden export that carries a module's last expression. */
export const LAST_EXPRESSION_EXPORT = '__st_last'

/** Only sources that mention these words can need module mode; the rest skip parsing entirely. */
const MODULE_HINT = /\b(?:import|export|await)\b/

/**
 * Strips TypeScript types with sucrase.
 * @throws sucrase's error for source that does not parse.
 */
export function stripTypes(code: string): string {
  return transform(code, {
    transforms: ['typescript'],
    disableESTransforms: true,
    keepUnusedImports: true,
  }).code
}

/**
 * True when the source is a plain script. A script that names `await` outside any function
 * (`await (async () => 1)()` parses as a call of a function called await) is taken as meant for top-level
 * await: no one names a function await, and run as a script it only fails with "await is not defined".
 */
function parsesAsScript(code: string): boolean {
  try {
    const program = parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true })
    return !namesAwaitOutsideFunctions(program)
  } catch {
    return false
  }
}

const FUNCTION_NODES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression'])

function namesAwaitOutsideFunctions(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false
  if (Array.isArray(node)) return node.some(namesAwaitOutsideFunctions)
  const { type, name, computed } = node as { type?: unknown; name?: unknown; computed?: unknown }
  if (type === 'Identifier') return name === 'await'
  if (typeof type === 'string' && FUNCTION_NODES.has(type)) return false
  // A name after a dot or before a colon is a property's name, not a reference: `o.await`, `{ await: 1 }`.
  const nameOnly = computed === false ? (type === 'MemberExpression' ? 'property' : 'key') : undefined
  for (const [key, value] of Object.entries(node))
    if (key !== nameOnly && typeof value === 'object' && namesAwaitOutsideFunctions(value)) return true
  return false
}

/** The module's AST, or undefined when it parses as neither (the runtime then reports the syntax error). */
function parseModule(code: string): Program | undefined {
  try {
    return parse(code, {
      ecmaVersion: 'latest',
      sourceType: 'module',
      allowAwaitOutsideFunction: true,
      allowHashBang: true,
    })
  } catch {
    return undefined
  }
}

/** A request's source with TypeScript types stripped, and its module AST when it must run as a module. */
export interface ClassifiedSource {
  js: string
  /** Set when the source is not a script but parses as a module (import/export or top-level await). */
  module?: Program
}

/**
 * Strips TypeScript types and decides script or module. Source that parses as neither is left a script, so
 * the runtime reports the syntax error in its own words.
 * @throws sucrase's error for TypeScript that does not parse.
 */
export function classifySource(
  code: string,
  language: 'javascript' | 'typescript',
): ClassifiedSource {
  const js = language === 'typescript' ? stripTypes(code) : code
  if (!MODULE_HINT.test(js) || parsesAsScript(js)) return { js }
  const module = parseModule(js)
  return module ? { js, module } : { js }
}

/** Rewrites a module's last expression statement into `export const __st_last = (…)`, unless it has a default export. */
export function exposeLastExpression(code: string, program: Program): string {
  const body: (Statement | ModuleDeclaration)[] = program.body
  if (body.some((s) => s.type === 'ExportDefaultDeclaration')) return code
  const last = body.at(-1)
  if (last?.type !== 'ExpressionStatement' || 'directive' in last) return code
  const expression = code.slice(last.expression.start, last.expression.end)
  return `${code.slice(0, last.start)}export const ${LAST_EXPRESSION_EXPORT} = (${expression});${code.slice(last.end)}`
}
