/**
 * Turns a request's source into what QuickJS evaluates: TypeScript types stripped (sucrase), and the mode:
 * - 'script': REPL semantics, top-level declarations persist, the completion value is the result;
 * - 'async-script': the same with top-level await (QuickJS's async global eval resolves to `{ value }`);
 * - 'module': import/export; the default export (called with input when a function) or the last expression.
 */
import { parse, type Program, type Statement, type ModuleDeclaration } from 'acorn'
import { transform } from 'sucrase'

export type EvalMode = 'script' | 'async-script' | 'module'

export interface PreparedSource {
  code: string
  mode: EvalMode
}

/** Name of the hidden export that carries a module's last expression. */
export const LAST_EXPRESSION_EXPORT = '__st_last'

// Only sources that mention these words can need module mode; the rest skip parsing entirely.
const MODULE_HINT = /\b(?:import|export|await)\b/

export function stripTypes(code: string): string {
  return transform(code, {
    transforms: ['typescript'],
    disableESTransforms: true,
    keepUnusedImports: true,
  }).code
}

export function prepareSource(code: string, language: 'javascript' | 'typescript'): PreparedSource {
  const js = language === 'typescript' ? stripTypes(code) : code
  if (!MODULE_HINT.test(js) || parsesAsScript(js)) return { code: js, mode: 'script' }
  let program: Program
  try {
    program = parse(js, {
      ecmaVersion: 'latest',
      sourceType: 'module',
      allowAwaitOutsideFunction: true,
    })
  } catch {
    // Neither a script nor a module: evaluate as a script so QuickJS reports the syntax error.
    return { code: js, mode: 'script' }
  }
  if (!program.body.some(isModuleDeclaration)) return { code: js, mode: 'async-script' }
  return { code: exposeLastExpression(js, program), mode: 'module' }
}

function isModuleDeclaration(statement: Statement | ModuleDeclaration): boolean {
  return statement.type === 'ImportDeclaration' || statement.type.startsWith('Export')
}

function parsesAsScript(code: string): boolean {
  try {
    parse(code, { ecmaVersion: 'latest', sourceType: 'script' })
    return true
  } catch {
    return false
  }
}

function exposeLastExpression(code: string, program: Program): string {
  const body: (Statement | ModuleDeclaration)[] = program.body
  if (body.some((s) => s.type === 'ExportDefaultDeclaration')) return code
  const last = body.at(-1)
  if (last?.type !== 'ExpressionStatement' || 'directive' in last) return code
  const expression = code.slice(last.expression.start, last.expression.end)
  return `${code.slice(0, last.start)}export const ${LAST_EXPRESSION_EXPORT} = (${expression});${code.slice(last.end)}`
}
