/**
 * Source preparation shared by every tier that runs JavaScript (QuickJS in process, node in containers), so
 * TypeScript stripping and the "last expression is the value" rule are one implementation.
 */
import { parse, type ModuleDeclaration, type Program, type Statement } from 'acorn'
import { transform } from 'sucrase'

/** The hidden export that carries a module's last expression. */
export const LAST_EXPRESSION_EXPORT = '__st_last'

/** Only sources that mention these words can need module mode; the rest skip parsing entirely. */
export const MODULE_HINT = /\b(?:import|export|await)\b/

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

export function parsesAsScript(code: string): boolean {
  try {
    parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true })
    return true
  } catch {
    return false
  }
}

/** The module's AST, or undefined when it parses as neither (the runtime then reports the syntax error). */
export function parseModule(code: string): Program | undefined {
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

/** Rewrites a module's last expression statement into `export const __st_last = (…)`, unless it has a default export. */
export function exposeLastExpression(code: string, program: Program): string {
  const body: (Statement | ModuleDeclaration)[] = program.body
  if (body.some((s) => s.type === 'ExportDefaultDeclaration')) return code
  const last = body.at(-1)
  if (last?.type !== 'ExpressionStatement' || 'directive' in last) return code
  const expression = code.slice(last.expression.start, last.expression.end)
  return `${code.slice(0, last.start)}export const ${LAST_EXPRESSION_EXPORT} = (${expression});${code.slice(last.end)}`
}
