/**
 * Turns a request's source into what QuickJS evaluates: TypeScript types stripped (sucrase), and the mode:
 * - 'script': REPL semantics, top-level declarations persist, the completion value is the result;
 * - 'async-script': the same with top-level await (QuickJS's async global eval resolves to `{ value }`);
 * - 'module': import/export; the default export (called with input when a function) or the last expression.
 */
import type { ModuleDeclaration, Statement } from 'acorn'
import { classifySource, exposeLastExpression } from '../js-source-parts.js'

export { LAST_EXPRESSION_EXPORT, stripTypes } from '../js-source-parts.js'

export type EvalMode = 'script' | 'async-script' | 'module'

export interface PreparedSource {
  code: string
  mode: EvalMode
}

export function prepareSource(code: string, language: 'javascript' | 'typescript'): PreparedSource {
  const { js, module } = classifySource(code, language)
  if (!module) return { code: js, mode: 'script' }
  if (!module.body.some(isModuleDeclaration)) return { code: js, mode: 'async-script' }
  return { code: exposeLastExpression(js, module), mode: 'module' }
}

function isModuleDeclaration(statement: Statement | ModuleDeclaration): boolean {
  return statement.type === 'ImportDeclaration' || statement.type.startsWith('Export')
}
