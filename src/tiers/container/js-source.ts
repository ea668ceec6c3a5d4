/**
 * JavaScript/TypeScript source → what the node harness runs, with the QuickJS tier's value rule: TypeScript
 * types stripped with sucrase on the host; plain scripts are evaluated for their completion value; code with
 * import/export or top-level await runs as an ES module whose last expression statement is exposed as the
 * export `__st_last` (unless it has a default export, which wins). Each run is a fresh node process, so
 * module mode loses nothing a script would keep.
 */
import { parse, type ModuleDeclaration, type Program, type Statement } from 'acorn'
import { transform } from 'sucrase'

export interface PreparedJavaScript {
  code: string
  isModule: boolean
}

/** The hidden export carrying a module's last expression (the same name as the QuickJS tier's). */
export const LAST_EXPRESSION_EXPORT = '__st_last'

// Only sources that mention these words can need module mode; the rest skip parsing entirely.
const MODULE_HINT = /\b(?:import|export|await)\b/

/**
 * Strips TypeScript types.
 * @throws SyntaxError-like errors from sucrase for source that does not parse.
 */
export function stripTypes(code: string): string {
  return transform(code, {
    transforms: ['typescript'],
    disableESTransforms: true,
    keepUnusedImports: true,
  }).code
}

function parsesAsScript(code: string): boolean {
  try {
    parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true })
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

/** Prepares a request's source for the node harness. */
export function prepareJavaScript(
  code: string,
  language: 'javascript' | 'typescript',
): PreparedJavaScript {
  const js = language === 'typescript' ? stripTypes(code) : code
  if (!MODULE_HINT.test(js) || parsesAsScript(js)) return { code: js, isModule: false }
  let program: Program
  try {
    program = parse(js, {
      ecmaVersion: 'latest',
      sourceType: 'module',
      allowAwaitOutsideFunction: true,
      allowHashBang: true,
    })
  } catch {
    // Neither a script nor a module: node reports the syntax error when it evaluates the script.
    return { code: js, isModule: false }
  }
  return { code: exposeLastExpression(js, program), isModule: true }
}
